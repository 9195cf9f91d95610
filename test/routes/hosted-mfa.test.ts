/** The hosted second factor: chooser, code page, wrong code, trust, recovery codes, lockout shared with the API, timeout. */
import { describe, expect, it } from "vitest";
import { call, clock, createUser, enrolledUser, nextStep, PASSWORD, totp } from "../support/mfa.ts";
import {
  authorizePath,
  Browser,
  ISSUER,
  local,
  password,
  query,
  REDIRECT_URI,
  seedClient,
  type Page,
} from "../support/hosted.ts";

/** Follows same-site 302s until a page (200) or a redirect to the client. */
async function follow(b: Browser, r: Page): Promise<Page> {
  let cur = r;
  for (let i = 0; i < 5 && cur.status === 302 && cur.location!.startsWith("/"); i++) cur = await b.get(cur.location!);
  return cur;
}

describe("TOTP through the pages", () => {
  it("password → methods (auto-pick) → code page → wrong code 200 'Invalid code' → right code → client with code and iss", async () => {
    const { clientId, key } = await seedClient();
    const u = await enrolledUser(key);
    const b = new Browser();
    const r = await password(b, clientId, u.email);
    expect(r.status).toBe(302);
    expect(local(r.location).startsWith("/oauth2/two-factor-methods?")).toBe(true);
    const q = query(r.location);
    expect(q.get("twoFactorId")).toBeTruthy();
    expect([q.get("client_id"), q.get("redirect_uri"), q.get("state")]).toEqual([clientId, REDIRECT_URI, "st-123"]);
    const toCode = await b.get(r.location!);
    expect(toCode.status).toBe(302);
    expect(local(toCode.location).startsWith("/oauth2/two-factor?")).toBe(true);
    expect(query(toCode.location).get("methodId")).toBe(u.methodId);
    const page = await b.get(toCode.location!);
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/<input id="code" name="code" type="text"/);
    expect(page.html).toContain('<input type="checkbox" id="trustComputer" name="trustComputer" value="true"/>');
    expect(page.html).toContain("Trust this computer for 30 days");
    expect(page.html).toMatch(/<button class="blue button" type="submit">Verify<\/button>/);
    expect(page.html).not.toContain("Try another option"); // no email/SMS method

    const good = await totp(u.secretBase32);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, "0");
    const bad = await b.submit(page, "2fa-form", { code: wrong });
    expect(bad.status).toBe(200);
    expect(bad.html).toContain("Invalid code");

    const ok = await b.submit(bad, "2fa-form", { code: good });
    expect(ok.status).toBe(302);
    const cq = query(ok.location);
    expect(ok.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);
    expect([cq.get("iss"), cq.get("state")]).toEqual([ISSUER, "st-123"]);
    expect(ok.setCookies.some((c) => c.startsWith("fusionauth.sso="))).toBe(true);
    expect(ok.setCookies.some((c) => c.startsWith("fusionauth.trust="))).toBe(false);
  });

  it("trust this computer (`on`) skips the factor next time, and not after a method change", async () => {
    const { clientId, key } = await seedClient();
    const u = await enrolledUser(key);
    const b = new Browser();
    const page = await follow(b, await password(b, clientId, u.email));
    const ok = await b.submit(page, "2fa-form", { code: await totp(u.secretBase32), trustComputer: "on" });
    expect(ok.status).toBe(302);
    const trust = ok.setCookies.find((c) => c.startsWith("fusionauth.trust="))!;
    expect(trust).toMatch(/HttpOnly/);
    expect(query(ok.location).get("code")).toBeTruthy();

    b.jar.delete("fusionauth.sso");
    const again = await password(b, clientId, u.email);
    expect(again.status).toBe(302);
    expect(again.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);

    // A method change ends every device trust.
    nextStep();
    const secret = await call("GET", "/api/two-factor/secret", { key });
    const add = await call("POST", `/api/user/two-factor/${u.userId}`, {
      key,
      body: {
        method: "authenticator",
        code: await totp(secret.body.secretBase32Encoded),
        secretBase32Encoded: secret.body.secretBase32Encoded,
      },
    });
    expect(add.status).toBe(200);
    b.jar.delete("fusionauth.sso");
    const after = await password(b, clientId, u.email);
    expect(local(after.location).startsWith("/oauth2/two-factor-methods?")).toBe(true);
  });

  it("accepts a recovery code in the same field, chosen on the methods page", async () => {
    const { clientId, key } = await seedClient();
    const u = await enrolledUser(key);
    const b = new Browser();
    const r = await password(b, clientId, u.email);
    const chooser = await b.get(`${local(r.location)}&selectMethod=true`);
    expect(chooser.status).toBe(200);
    expect(chooser.html).toContain(
      `<input type="radio" name="methodId" id="method-${u.methodId}" value="${u.methodId}"/>`,
    );
    expect(chooser.html).toContain('id="method-recoveryCode" value="recoveryCode"');
    expect(chooser.html).toContain("Use one of your 10 recovery codes");
    const blank = await b.submit(chooser, "2fa-form");
    expect(blank.html).toContain("Select a two-factor method");
    const chosen = await b.submit(chooser, "2fa-form", { methodId: "recoveryCode" });
    expect(query(chosen.location).get("methodId")).toBe("recoveryCode");
    const page = await b.get(chosen.location!);
    const ok = await b.submit(page, "2fa-form", { code: u.recoveryCodes[0]! });
    expect(ok.status).toBe(302);
    expect(query(ok.location).get("code")).toBeTruthy();
    const left = await call("GET", `/api/user/two-factor/recovery-code/${u.userId}`, { key });
    expect(left.body.remainingRecoveryCodes).toBe(9);
  });

  it("one lock for pages and API: wrong codes on the page lock /api/login", async () => {
    const { clientId, key } = await seedClient({ failedAuthenticationConfiguration: { tooManyAttempts: 3 } });
    const u = await enrolledUser(key);
    const b = new Browser();
    let page = await follow(b, await password(b, clientId, u.email));
    const good = await totp(u.secretBase32);
    const wrong = String((Number(good) + 5) % 1_000_000).padStart(6, "0");
    let last: Page = page;
    for (let i = 0; i < 3; i++) {
      last = await b.submit(page, "2fa-form", { code: wrong });
      if (last.status === 200) page = last;
    }
    expect(last.status).toBe(302);
    expect(local(last.location).startsWith("/oauth2/authorize?")).toBe(true);
    expect(query(last.location).get("notice")).toBe("locked");
    const shown = await b.get(last.location!);
    expect(shown.html).toContain("Your account has been locked.");
    const api = await call("POST", "/api/login", { key, body: { loginId: u.email, password: PASSWORD } });
    expect(api.status).toBe(409);
  });

  it("wrong passwords on the page count toward the API's lock", async () => {
    const { clientId, key } = await seedClient({ failedAuthenticationConfiguration: { tooManyAttempts: 3 } });
    const { email } = await createUser(key);
    const b = new Browser();
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push((await password(b, clientId, email, "wrong")).html);
    expect(seen[0]).toContain("Invalid login credentials.");
    expect(seen[2]).toContain("Your account has been locked.");
    const api = await call("POST", "/api/login", { key, body: { loginId: email, password: PASSWORD } });
    expect(api.status).toBe(409);
  });

  it("an expired twoFactorId sends the user back to the login page with the timeout message", async () => {
    const { clientId, key } = await seedClient();
    const u = await enrolledUser(key);
    const b = new Browser();
    const page = await follow(b, await password(b, clientId, u.email));
    clock.now += 301;
    const late = await b.submit(page, "2fa-form", { code: await totp(u.secretBase32) });
    expect(late.status).toBe(302);
    const shown = await b.get(late.location!);
    expect(shown.html).toContain("You did not complete the two-factor challenge in time.");
  });

  it("a second-factor page URL is useless in another browser (the context is bound to the CSRF cookie)", async () => {
    const { clientId, key } = await seedClient();
    const u = await enrolledUser(key);
    const b = new Browser();
    const r = await password(b, clientId, u.email);
    const elsewhere = await new Browser().get(`${local(r.location)}&selectMethod=true`);
    expect(elsewhere.status).toBe(302);
    expect(query(elsewhere.location).get("notice")).toBe("timeout");
    expect((await b.get(`${local(r.location)}&selectMethod=true`)).status).toBe(200);
  });

  it("a tampered or foreign oauth_context is refused like a timeout", async () => {
    const { clientId, key } = await seedClient();
    const u = await enrolledUser(key);
    const b = new Browser();
    const r = await password(b, clientId, u.email);
    const other = await seedClient();
    const moved = local(r.location).replace(`client_id=${clientId}`, `client_id=${other.clientId}`);
    const p = await b.get(moved);
    expect(p.status).toBe(302);
    expect(query(p.location).get("notice")).toBe("timeout");
  });
});

describe("SSO re-check per application", () => {
  it("SSO into an app whose policy requires a factor re-challenges; prompt=none answers interaction_required", async () => {
    const { clientId, key, tenantId } = await seedClient({ multiFactorConfiguration: { loginPolicy: "Disabled" } });
    const u = await enrolledUser(key);
    const { seedApplication } = await import("../support/mfa.ts");
    const strict = await seedApplication(tenantId, {
      oauthConfiguration: { authorizedRedirectURLs: [REDIRECT_URI] },
      multiFactorConfiguration: { loginPolicy: "Enabled" },
    });
    const b = new Browser();
    const first = await password(b, clientId, u.email);
    expect(first.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);
    const none = await b.get(authorizePath(strict, { prompt: "none" }));
    expect(query(none.location).get("error")).toBe("interaction_required");
    expect(query(none.location).get("iss")).toBe(ISSUER);
    const sso = await b.get(authorizePath(strict));
    expect(local(sso.location).startsWith("/oauth2/two-factor-methods?")).toBe(true);
    const page = await follow(b, sso);
    const ok = await b.submit(page, "2fa-form", { code: await totp(u.secretBase32) });
    expect(ok.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);
  });
});
