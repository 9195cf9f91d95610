/**
 * The self-service account pages (/account): sign-in through the hosted login, the overview, adding
 * an authenticator app, the step-up before a removal (single use, even for parallel submissions),
 * recovery codes shown once, trusted devices, CSRF and another user's ids.
 */
import * as OTPAuth from "otpauth";
import { describe, expect, it } from "vitest";
import { flushEvents } from "../support/events.ts";
import { Browser, formHtml, hiddenFields, ISSUER, local, textOf, type Page } from "../support/hosted.ts";
import { call, clock, createUser, enrolledUser, nextStep, PASSWORD, seedTenant, totp } from "../support/mfa.ts";
import { enableOob, lastCode, oobTenant } from "../support/oob.ts";

/** Follows same-site redirects (GET) until a page or a redirect elsewhere. */
async function follow(b: Browser, r: Page): Promise<Page> {
  let page = r;
  for (let i = 0; i < 10 && page.status === 302 && page.location && !page.location.startsWith("https://"); i++)
    page = await b.get(local(page.location));
  return page;
}

/** Signs in on /account through the hosted login (password, then the TOTP code when asked). */
async function signIn(
  b: Browser,
  tenantId: string,
  email: string,
  secretBase32?: string,
  opts: { trust?: boolean } = {},
): Promise<Page> {
  const login = await follow(b, await b.get(`/account?tenantId=${tenantId}`));
  expect(login.html).toContain('<form id="login-form"');
  let page = await follow(b, await b.submit(login, "login-form", { loginId: email, password: PASSWORD }));
  if (page.html.includes('action="/oauth2/two-factor-methods"')) {
    // The chooser (more than one method): the authenticator app.
    const methodId =
      /name="methodId" id="method-([^"]+)" value="[^"]+"\s*\/?>\s*<label class="inline" for="method-[^"]+">Authenticator/.exec(
        page.html,
      )?.[1];
    page = await follow(b, await b.submit(page, "2fa-form", { methodId: methodId! }));
  }
  if (page.html.includes('<form id="2fa-form" method="post" action="/oauth2/two-factor"')) {
    page = await follow(
      b,
      await b.submit(page, "2fa-form", {
        code: await totp(secretBase32!),
        ...(opts.trust ? { trustComputer: "true" } : {}),
      }),
    );
    nextStep();
  }
  expect(page.status).toBe(200);
  expect(page.html).toContain("<title>Security | Account</title>");
  return page;
}

/** Runs /account/confirm with a TOTP code; answers the redirect back. */
async function stepUp(b: Browser, confirmLocation: string, secretBase32: string): Promise<Page> {
  const confirm = await b.get(local(confirmLocation));
  expect(confirm.status).toBe(200);
  const r = await b.submit(confirm, "confirm-form", { code: await totp(secretBase32) });
  nextStep();
  expect(r.status).toBe(302);
  expect(r.setCookies.find((c) => c.startsWith("edgemfa.stepup="))).toMatch(/HttpOnly.*/);
  return r;
}

describe("/account sign-in", () => {
  it("without a session: redirected through the hosted login and back to the page asked for", async () => {
    const { tenantId, key } = await seedTenant({ issuer: ISSUER });
    const { email } = await createUser(key);
    const b = new Browser();
    const first = await b.get(`/account/recovery-codes?tenantId=${tenantId}`);
    expect(first.status).toBe(302);
    expect(local(first.location)).toMatch(/^\/account\/login\?return=%2Faccount%2Frecovery-codes&tenantId=/);
    const toAuthorize = await b.get(local(first.location));
    expect(local(toAuthorize.location)).toMatch(/^\/oauth2\/authorize\?client_id=[0-9a-f-]{36}&redirect_uri=/);
    const login = await b.get(local(toAuthorize.location));
    const back = await b.submit(login, "login-form", { loginId: email, password: PASSWORD });
    expect(local(back.location)).toMatch(/^\/account\/callback\?code=/);
    // The built-in client has no secret: its code cannot be redeemed by anyone.
    const code = new URL(back.location!).searchParams.get("code")!;
    const redirectUri = new URL(toAuthorize.location!, "http://x").searchParams.get("redirect_uri")!;
    const clientId = new URL(toAuthorize.location!, "http://x").searchParams.get("client_id")!;
    const token = await b.request("POST", "/oauth2/token", {
      grant_type: "authorization_code",
      code,
      client_id: clientId,
      redirect_uri: redirectUri,
      code_verifier: "x".repeat(43),
    });
    expect(token.status).toBe(401);
    const landed = await b.get(local(back.location));
    expect(local(landed.location)).toBe("/account/recovery-codes");
    // No tenant named and no session: nothing to sign in to.
    expect((await new Browser().get("/account/login")).status).toBe(400);
    // An absolute return path is ignored (only fixed relative /account paths): the session is reused, back to /account.
    const evil = await b.get(
      `/account/login?tenantId=${tenantId}&return=${encodeURIComponent("https://evil.example/")}`,
    );
    const reused = await b.get(local(evil.location));
    expect(local(reused.location)).toMatch(/^\/account\/callback\?code=/);
    expect((await b.get(local(reused.location))).location).toBe("/account");
  });

  it("a POST without a session is refused, not redirected", async () => {
    const b = new Browser();
    const page = await b.get("/account/login");
    expect(page.status).toBe(400);
    const r = await b.request("POST", "/account/revoke-device", { ref: "all" });
    expect(r.status).toBe(403);
  });
});

describe("/account overview and changes", () => {
  it("lists the user's methods, recovery codes, trusted devices and recent events", async () => {
    const { tenantId, key } = await seedTenant({ issuer: ISSUER, ...oobTenant() });
    const u = await enrolledUser(key);
    await enableOob(key, u.userId, "email", u.email);
    const b = new Browser();
    await signIn(b, tenantId, u.email, u.secretBase32, { trust: true });
    await flushEvents(tenantId, u.userId);
    const page = await b.get("/account");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.html).toContain("Authenticator app");
    expect(page.html).toContain(`Email: ${u.email}`);
    expect(textOf(page.html, "recovery-remaining")).toBe("10");
    expect(page.html).toMatch(/<ul class="items" id="devices"><li>/);
    expect(page.html).toContain("Two-factor method added");
    expect(page.html).toContain("Signed in");
  });

  it("enables an authenticator app from the page's key (the first method: no step-up) and shows 10 codes once", async () => {
    const { tenantId, key } = await seedTenant({ issuer: ISSUER });
    const { id, email } = await createUser(key);
    const b = new Browser();
    await signIn(b, tenantId, email);
    const page = await b.get("/account/authenticator");
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/<div id="qrcode"[^>]*><svg /);
    const base32 = textOf(page.html, "manual-key")!;
    const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(base32) }).generate({
      timestamp: clock.now * 1000,
    });
    const done = await b.submit(page, "enable-form", { code, name: "Phone" });
    expect(done.status).toBe(200);
    const codes = [...done.html.matchAll(/<div class="code">([^<]+)<\/div>/g)].map((m) => m[1]);
    expect(new Set(codes).size).toBe(10);
    expect(done.headers.get("cache-control")).toBe("no-store");
    const user = await call("GET", `/api/user/${id}`, { key });
    expect(user.body.user.twoFactor.methods).toHaveLength(1);
    expect(user.body.user.twoFactor.methods[0].name).toBe("Phone");
    expect((await b.get("/account")).html).not.toContain(codes[0]);
  });

  it("adds email with a code from the dev outbox; a second method needs the step-up first", async () => {
    const { tenantId, key } = await seedTenant({ issuer: ISSUER, ...oobTenant() });
    const { id, email } = await createUser(key);
    const b = new Browser();
    await signIn(b, tenantId, email);
    const page = await b.get("/account/email");
    expect(page.status).toBe(200);
    const sent = await b.submit(page, "send-form", { email });
    expect(sent.html).toContain("Code sent.");
    const done = await b.submit(sent, "enable-form", { code: await lastCode(email) });
    expect(done.status).toBe(200);
    expect([...done.html.matchAll(/<div class="code">/g)]).toHaveLength(10);
    const user = await call("GET", `/api/user/${id}`, { key });
    expect(user.body.user.twoFactor.methods.map((m: { method: string }) => m.method)).toEqual(["email"]);
    // Now the user has a factor: adding another asks for the step-up before showing anything.
    const sms = await b.get("/account/sms");
    expect(local(sms.location)).toBe(`/account/confirm?action=add&next=${encodeURIComponent("/account/sms")}`);
    await flushEvents(tenantId, id);
    const added = await call("GET", `/api/event?userId=${id}&type=user.two-factor.method.add`, { key });
    expect(added.body.events).toHaveLength(1);
  });

  it("a step-up answered with a code sent to the user's email method", async () => {
    const { tenantId, key } = await seedTenant({ issuer: ISSUER, ...oobTenant() });
    const { id, email } = await createUser(key);
    const { methodId } = await enableOob(key, id, "email", email);
    const b = new Browser();
    const login = await follow(b, await b.get(`/account?tenantId=${tenantId}`));
    let page = await follow(b, await b.submit(login, "login-form", { loginId: email, password: PASSWORD }));
    if (page.html.includes('action="/oauth2/two-factor-methods"'))
      page = await follow(b, await b.submit(page, "2fa-form", { methodId }));
    page = await follow(b, await b.submit(page, "2fa-form", { code: await lastCode(email) }));
    expect(page.html).toContain("<title>Security | Account</title>");
    clock.now += 120; // past the send cooldown of the login's code

    const removePage = await b.get(`/account/remove?methodId=${methodId}`);
    const refused = await b.submit(removePage, "remove-form");
    const confirm = await b.get(local(refused.location));
    const send = /<form method="post" action="\/account\/confirm" class="send-form">([\s\S]*?)<\/form>/.exec(
      confirm.html,
    )![1]!;
    const sent = await b.request("POST", "/account/confirm", hiddenFields(send));
    expect(sent.html).toContain("Code sent.");
    const back = await b.submit(sent, "confirm-form", { code: await lastCode(email) });
    expect(local(back.location)).toBe(`/account/remove?methodId=${methodId}`);
    const removed = await b.submit(removePage, "remove-form");
    expect(local(removed.location)).toBe("/account?done=removed");
    const user = await call("GET", `/api/user/${id}`, { key });
    expect(user.body.user.twoFactor?.methods ?? []).toHaveLength(0);
  });

  it("removing a method needs a fresh step-up, and the proof is single use under parallel submissions", async () => {
    const { tenantId, key } = await seedTenant({ issuer: ISSUER, ...oobTenant() });
    const u = await enrolledUser(key);
    await enableOob(key, u.userId, "email", u.email);
    const user = await call("GET", `/api/user/${u.userId}`, { key });
    const emailMethod = user.body.user.twoFactor.methods.find((m: { method: string }) => m.method === "email").id;
    const b = new Browser();
    await signIn(b, tenantId, u.email, u.secretBase32);

    const removePage = await b.get(`/account/remove?methodId=${u.methodId}`);
    expect(removePage.status).toBe(200);
    const noProof = await b.submit(removePage, "remove-form");
    expect(noProof.status).toBe(302);
    expect(local(noProof.location)).toMatch(/^\/account\/confirm\?action=remove&next=/);
    const confirmed = await stepUp(b, noProof.location!, u.secretBase32);
    expect(local(confirmed.location)).toBe(`/account/remove?methodId=${u.methodId}`);

    // One proof, two removals at once: the UserGuard lets exactly one through.
    const form = hiddenFields(formHtml(removePage.html, "remove-form"));
    const [r1, r2] = await Promise.all([
      b.request("POST", "/account/remove", { ...form, methodId: u.methodId }),
      b.request("POST", "/account/remove", { ...form, methodId: emailMethod }),
    ]);
    const outcomes = [r1, r2].map((r) => local(r.location));
    expect(outcomes.filter((l) => l === "/account?done=removed")).toHaveLength(1);
    expect(outcomes.filter((l) => l.startsWith("/account/confirm?action=remove"))).toHaveLength(1);
    const after = await call("GET", `/api/user/${u.userId}`, { key });
    expect(after.body.user.twoFactor.methods).toHaveLength(1);
    await flushEvents(tenantId, u.userId);
    const removed = await call("GET", `/api/event?userId=${u.userId}&type=user.two-factor.method.remove`, { key });
    expect(removed.body.events).toHaveLength(1);
  });

  it("regenerating recovery codes is behind a step-up and shows 10 new codes once", async () => {
    const { tenantId, key } = await seedTenant({ issuer: ISSUER });
    const u = await enrolledUser(key);
    const b = new Browser();
    await signIn(b, tenantId, u.email, u.secretBase32);
    const page = await b.get("/account/recovery-codes");
    const refused = await b.submit(page, "regenerate-form");
    expect(local(refused.location)).toMatch(/^\/account\/confirm\?action=codes/);
    await stepUp(b, refused.location!, u.secretBase32);
    const shown = await b.submit(await b.get("/account/recovery-codes"), "regenerate-form");
    expect(shown.status).toBe(200);
    const codes = [...shown.html.matchAll(/<div class="code">([^<]+)<\/div>/g)].map((m) => m[1]!);
    expect(new Set(codes).size).toBe(10);
    expect(codes).not.toContain(u.recoveryCodes[0]);
    expect((await b.get("/account/recovery-codes")).html).not.toContain(codes[0]);
    // The proof was spent: a second regeneration asks again.
    const again = await b.submit(await b.get("/account/recovery-codes"), "regenerate-form");
    expect(local(again.location)).toMatch(/^\/account\/confirm\?action=codes/);
  });

  it("revokes a trusted device", async () => {
    const { tenantId, key } = await seedTenant({ issuer: ISSUER });
    const u = await enrolledUser(key);
    const b = new Browser();
    const page = await signIn(b, tenantId, u.email, u.secretBase32, { trust: true });
    const before = await call("GET", `/api/user/two-factor/trust/${u.userId}`, { key });
    expect(before.body.trusts).toHaveLength(1);
    const form = /<form class="inline" method="post" action="\/account\/revoke-device">([\s\S]*?)<\/form>/.exec(
      page.html,
    )![1]!;
    const r = await b.request("POST", "/account/revoke-device", hiddenFields(form));
    expect(local(r.location)).toBe("/account?done=revoked");
    const after = await call("GET", `/api/user/two-factor/trust/${u.userId}`, { key });
    expect(after.body.trusts).toHaveLength(0);
  });

  it("refuses a form without the CSRF token, or with another browser's", async () => {
    const { tenantId, key } = await seedTenant({ issuer: ISSUER });
    const u = await enrolledUser(key);
    const a2 = await enrolledUser(key);
    const b = new Browser();
    await signIn(b, tenantId, u.email, u.secretBase32, { trust: true });
    const missing = await b.request("POST", "/account/revoke-device", { ref: "all" });
    expect(missing.status).toBe(403);
    // Another browser's token (its own cookie's HMAC) does not fit this browser's cookie.
    const other = new Browser();
    const otherSignedIn = await signIn(other, tenantId, a2.email, a2.secretBase32, { trust: true });
    const otherToken = /name="csrf_token" value="([^"]+)"/.exec(otherSignedIn.html)![1]!;
    const crossed = await b.request("POST", "/account/revoke-device", { ref: "all", csrf_token: otherToken });
    expect(crossed.status).toBe(403);
    const foreign = await b.request("POST", "/account/revoke-device", { ref: "all", csrf_token: "x".repeat(43) });
    expect(foreign.status).toBe(403);
    const trusts = await call("GET", `/api/user/two-factor/trust/${u.userId}`, { key });
    expect(trusts.body.trusts).toHaveLength(1);
  });

  it("another user's method id cannot be touched, even with a valid step-up", async () => {
    const { tenantId, key } = await seedTenant({ issuer: ISSUER });
    const a = await enrolledUser(key);
    const other = await enrolledUser(key);
    const b = new Browser();
    await signIn(b, tenantId, a.email, a.secretBase32);
    expect((await b.get(`/account/remove?methodId=${other.methodId}`)).status).toBe(
      other.methodId === a.methodId ? 200 : 404,
    );
    const removePage = await b.get(`/account/remove?methodId=${a.methodId}`);
    const noProof = await b.submit(removePage, "remove-form");
    await stepUp(b, noProof.location!, a.secretBase32);
    const fields = hiddenFields(formHtml(removePage.html, "remove-form"));
    if (other.methodId !== a.methodId) {
      const r = await b.request("POST", "/account/remove", { ...fields, methodId: other.methodId });
      expect(r.status).toBe(404);
    }
    const theirs = await call("GET", `/api/user/${other.userId}`, { key });
    expect(theirs.body.user.twoFactor.methods).toHaveLength(1);
  });
});
