/** /oauth2/logout: ends the SSO session; post_logout_redirect_uri / logoutURL / `/`; state; id_token_hint; RedirectOnly vs AllApplications; /oauth2/error. */
import { describe, expect, it } from "vitest";
import { call, clock, createUser, PASSWORD, registerUser, seedApplication } from "../support/mfa.ts";
import { authorizePath, Browser, REDIRECT_URI, seedClient } from "../support/hosted.ts";

async function signedIn(clientId: string, key: string) {
  const { email } = await createUser(key);
  const b = new Browser();
  const page = await b.get(authorizePath(clientId));
  const r = await b.submit(page, "login-form", { loginId: email, password: PASSWORD });
  expect(r.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);
  return { b, email };
}

describe("/oauth2/logout", () => {
  it("RedirectOnly: 302 to the registered post_logout_redirect_uri with state, and the SSO session is over", async () => {
    const { clientId, key } = await seedClient({}, { logoutBehavior: "RedirectOnly" });
    const { b } = await signedIn(clientId, key);
    const sso = b.jar.get("fusionauth.sso")!;
    const r = await b.get(
      `/oauth2/logout?client_id=${clientId}&post_logout_redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=bye`,
    );
    expect(r.status).toBe(302);
    expect(r.location).toBe(`${REDIRECT_URI}?state=bye`);
    expect(r.setCookies.some((c) => /^fusionauth\.sso=;/.test(c) && /Max-Age=0/.test(c))).toBe(true);
    // The old cookie no longer signs anyone in, even if the browser kept it.
    b.jar.set("fusionauth.sso", sso);
    expect((await b.get(authorizePath(clientId))).status).toBe(200);
  });

  it("refuses an unregistered post_logout_redirect_uri (rendered, no redirect)", async () => {
    const { clientId } = await seedClient({}, { logoutBehavior: "RedirectOnly" });
    const r = await new Browser().get(
      `/oauth2/logout?client_id=${clientId}&post_logout_redirect_uri=${encodeURIComponent("https://evil.example/")}`,
    );
    expect(r.status).toBe(400);
    expect(r.location).toBeNull();
    expect(r.html).toContain("invalid_post_logout_redirect_uri");
  });

  it("no client: 302 to /; logoutURL when no post_logout_redirect_uri", async () => {
    expect((await new Browser().get("/oauth2/logout")).location).toBe("/");
    const { clientId } = await seedClient({}, { logoutBehavior: "RedirectOnly", logoutURL: "https://app.example/bye" });
    expect((await new Browser().get(`/oauth2/logout?client_id=${clientId}`)).location).toBe("https://app.example/bye");
  });

  it("AllApplications: 200 page with a 2 s meta refresh and iframes of the other apps' logoutURL (iss, sid)", async () => {
    const { clientId, key, tenantId } = await seedClient({}, { logoutURL: "https://app.example/bye" });
    await seedApplication(tenantId, { oauthConfiguration: { logoutURL: "https://other.example/logout" } });
    const { b } = await signedIn(clientId, key);
    const r = await b.get(`/oauth2/logout?client_id=${clientId}`);
    expect(r.status).toBe(200);
    expect(r.html).toContain('<meta http-equiv="Refresh" content="2; url=https://app.example/bye"/>');
    expect(r.html).toMatch(
      /<iframe src="https:\/\/other\.example\/logout\?iss=https%3A%2F%2Fissuer\.example&amp;sid=[0-9a-f-]{36}"/,
    );
    const csp = r.headers.get("content-security-policy")!;
    expect(csp).toContain("frame-src https://other.example");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src");
  });

  it("id_token_hint: accepted when the tenant's key signed it for the client (even expired); refused otherwise", async () => {
    const { clientId, key } = await seedClient(
      {},
      { logoutBehavior: "RedirectOnly", logoutURL: "https://app.example/bye" },
    );
    const { id, email } = await createUser(key);
    await registerUser(key, id, clientId); // registered: 200 (an unregistered login answers 202, FusionAuth's Login API)
    const login = await call("POST", "/api/login", {
      key,
      body: { loginId: email, password: PASSWORD, applicationId: clientId },
    });
    expect(login.status).toBe(200);
    const token: string = login.body.token;
    const saved = clock.now;
    clock.now += 7200; // expired: still a valid hint
    const ok = await new Browser().get(`/oauth2/logout?id_token_hint=${token}`);
    clock.now = saved;
    expect(ok.status).toBe(302);
    expect(ok.location).toBe("https://app.example/bye");
    const [h, p, sig] = token.split(".");
    const forged = `${h}.${p}.${sig!.slice(0, -4)}AAAA`;
    const bad = await new Browser().get(`/oauth2/logout?id_token_hint=${forged}`);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("invalid_id_token_hint");
    const other = await seedClient();
    const mismatch = await new Browser().get(`/oauth2/logout?client_id=${other.clientId}&id_token_hint=${token}`);
    expect(mismatch.status).toBe(400);
  });
});

describe("/oauth2/error", () => {
  it("shows only the error codes, never caller-supplied text", async () => {
    const r = await new Browser().get("/oauth2/error?error=access_denied&error_description=Call%20555-0100%20now");
    expect(r.status).toBe(400);
    expect(r.html).toContain("access_denied");
    expect(r.html).not.toContain("555-0100");
    expect(r.headers.get("x-frame-options")).toBe("DENY");
  });
});
