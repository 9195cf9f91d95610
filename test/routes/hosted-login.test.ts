/** The hosted login page: FusionAuth's markup, errors, CSRF, security headers, SSO, prompt, form_post, iss. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createUser, PASSWORD } from "../support/mfa.ts";
import {
  authorizePath,
  Browser,
  formHtml,
  hiddenFields,
  ISSUER,
  query,
  REDIRECT_URI,
  seedClient,
} from "../support/hosted.ts";

async function loginPage(b: Browser, clientId: string, extra: Record<string, string> = {}) {
  const p = await b.get(authorizePath(clientId, extra));
  expect(p.status).toBe(200);
  return p;
}

describe("GET /oauth2/authorize (login page)", () => {
  it("renders FusionAuth's selectors: title, #loginId, #password, one blue submit button, login_hint", async () => {
    const { clientId } = await seedClient();
    const p = await loginPage(new Browser(), clientId, { login_hint: "someone@example.com" });
    expect(p.html).toContain("<title>Login | FusionAuth</title>");
    expect(p.html).toMatch(/<input id="loginId" name="loginId" type="text" value="someone@example.com"/);
    expect(p.html).toMatch(/<input id="password" name="password" type="password"/);
    expect(p.html.match(/<button/g)).toHaveLength(1);
    expect(p.html).toContain('<button class="blue button" id="submit-button" type="submit">');
    expect(p.html).toContain('<label for="loginId">');
    expect(p.html).toContain('<label for="password">');
  });

  it("sends a strict CSP, frame and cache headers", async () => {
    const { clientId } = await seedClient();
    const p = await loginPage(new Browser(), clientId);
    const csp = p.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("script-src");
    expect(csp).toContain("form-action 'self' https://app.example");
    expect(p.headers.get("x-frame-options")).toBe("DENY");
    expect(p.headers.get("cache-control")).toBe("no-store");
    expect(p.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("renders (does not redirect) an unregistered redirect_uri or unknown client", async () => {
    const { clientId } = await seedClient();
    const bad = await new Browser().get(authorizePath(clientId, { redirect_uri: "https://evil.example/callback" }));
    expect(bad.status).toBe(400);
    expect(bad.location).toBeNull();
    expect(bad.html).toContain("invalid_redirect_uri");
    const unknown = await new Browser().get(authorizePath(crypto.randomUUID()));
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain("invalid_client_id");
  });

  it("redirects later errors to the client with iss and state", async () => {
    const { clientId } = await seedClient();
    const p = await new Browser().get(authorizePath(clientId, { response_type: "token" }));
    expect(p.status).toBe(302);
    const q = query(p.location);
    expect(p.location!.startsWith(`${REDIRECT_URI}?`)).toBe(true);
    expect([q.get("error"), q.get("error_reason"), q.get("iss"), q.get("state")]).toEqual([
      "unsupported_response_type",
      "invalid_response_type",
      ISSUER,
      "st-123",
    ]);
  });

  it("form_post carries errors too, with iss", async () => {
    const { clientId } = await seedClient();
    const p = await new Browser().get(authorizePath(clientId, { response_type: "token", response_mode: "form_post" }));
    expect(p.status).toBe(200);
    expect(p.html).toContain(`<form method="post" action="${REDIRECT_URI}">`);
    const f = hiddenFields(p.html);
    expect([f.error, f.iss, f.state]).toEqual(["unsupported_response_type", ISSUER, "st-123"]);
  });

  it("prompt=none without a session answers login_required to the client", async () => {
    const { clientId } = await seedClient();
    const p = await new Browser().get(authorizePath(clientId, { prompt: "none" }));
    expect(p.status).toBe(302);
    const q = query(p.location);
    expect([q.get("error"), q.get("error_reason"), q.get("iss")]).toEqual([
      "login_required",
      "authentication_required",
      ISSUER,
    ]);
  });
});

describe("POST /oauth2/authorize", () => {
  it("one generic error for a wrong password and for an unknown user", async () => {
    const { clientId, key } = await seedClient();
    const { email } = await createUser(key);
    for (const loginId of [email, "nobody@example.com"]) {
      const b = new Browser();
      const page = await loginPage(b, clientId);
      const r = await b.submit(page, "login-form", { loginId, password: "wrong password" });
      expect(r.status).toBe(200);
      expect(r.html).toMatch(/<div class="alert error" role="alert">Invalid login credentials.<\/div>/);
    }
  });

  it("blank fields re-render with Required, nothing counted", async () => {
    const { clientId } = await seedClient();
    const b = new Browser();
    const r = await b.submit(await loginPage(b, clientId), "login-form", { loginId: "", password: "" });
    expect(r.status).toBe(200);
    expect(r.html).toContain('<span class="error" id="loginId-error">Required</span>');
    expect(r.html).toContain('<span class="error" id="password-error">Required</span>');
    expect(r.html).toContain('aria-describedby="loginId-error"');
  });

  it("refuses a post without the CSRF cookie or with a token for another cookie (403, nothing counted)", async () => {
    const { clientId, key } = await seedClient();
    const { email } = await createUser(key);
    const b = new Browser();
    const page = await loginPage(b, clientId);
    const fields = { ...hiddenFields(formHtml(page.html, "login-form")), loginId: email, password: PASSWORD };
    const noCookie = await new Browser().request("POST", "/oauth2/authorize", fields);
    expect(noCookie.status).toBe(403);
    const other = new Browser();
    await loginPage(other, clientId); // its own cookie, not the one the token was made for
    const crossed = await other.request("POST", "/oauth2/authorize", fields);
    expect(crossed.status).toBe(403);
    const missing = await b.request("POST", "/oauth2/authorize", { ...fields, csrf_token: "" });
    expect(missing.status).toBe(403);
    expect((await b.request("POST", "/oauth2/authorize", fields)).status).toBe(302);
  });

  it("signs in: SSO cookie, a code with iss and state, then SSO skips the page; prompt=login forces it", async () => {
    const { clientId, key } = await seedClient();
    const { email } = await createUser(key);
    const b = new Browser();
    const r = await b.submit(await loginPage(b, clientId), "login-form", { loginId: email, password: PASSWORD });
    expect(r.status).toBe(302);
    const q = query(r.location);
    expect(r.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);
    expect(q.get("code")).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect([q.get("iss"), q.get("state"), q.get("userState")]).toEqual([
      ISSUER,
      "st-123",
      "AuthenticatedNotRegistered",
    ]);
    const sso = r.setCookies.find((c) => c.startsWith("fusionauth.sso="))!;
    expect(sso).toMatch(/HttpOnly/);
    expect(sso).toMatch(/Secure/);
    expect(sso).toMatch(/SameSite=Lax/);
    expect(sso).toMatch(/Max-Age=3600/);
    expect(r.headers.get("cache-control")).toBe("no-store");

    const again = await b.get(authorizePath(clientId, { state: "second" }));
    expect(again.status).toBe(302);
    const q2 = query(again.location);
    expect(q2.get("code")).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(q2.get("code")).not.toBe(q.get("code"));
    expect([q2.get("iss"), q2.get("state")]).toEqual([ISSUER, "second"]);

    expect((await b.get(authorizePath(clientId, { prompt: "login" }))).status).toBe(200);
    const none = await b.get(authorizePath(clientId, { prompt: "none" }));
    expect(query(none.location).get("code")).toBeTruthy();
  });

  it("form_post answers an auto-submitting form with code, iss and state, its script allowed by hash", async () => {
    const { clientId, key } = await seedClient();
    const { email } = await createUser(key);
    const b = new Browser();
    const page = await loginPage(b, clientId, { response_mode: "form_post" });
    const r = await b.submit(page, "login-form", { loginId: email, password: PASSWORD });
    expect(r.status).toBe(200);
    expect(r.html).toContain(`<form method="post" action="${REDIRECT_URI}">`);
    const f = hiddenFields(r.html);
    expect(f.code).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect([f.iss, f.state]).toEqual([ISSUER, "st-123"]);
    const csp = r.headers.get("content-security-policy")!;
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("form-action 'self' https://app.example");
    expect(r.html).toContain("<noscript>");
  });

  it("requireRegistration: not registered → /oauth2/authorized-not-registered, no code", async () => {
    const { clientId, key } = await seedClient({}, { requireRegistration: true });
    const { email } = await createUser(key);
    const b = new Browser();
    const r = await b.submit(await loginPage(b, clientId), "login-form", { loginId: email, password: PASSWORD });
    expect(r.status).toBe(302);
    expect(r.location!.startsWith("/oauth2/authorized-not-registered?")).toBe(true);
    const p = await b.get(r.location!);
    expect(p.status).toBe(200);
    expect(p.html).toContain("Your account has not been registered for this application.");
    // prompt=none with the session: the client hears registration_required instead.
    const none = await b.get(authorizePath(clientId, { prompt: "none" }));
    expect([query(none.location).get("error"), query(none.location).get("error_reason")]).toEqual([
      "interaction_required",
      "registration_required",
    ]);
  });

  it("requireRegistration: a registered user gets a code with userState Authenticated", async () => {
    const { clientId, key, tenantId } = await seedClient({}, { requireRegistration: true });
    const { email, id } = await createUser(key);
    const now = Math.floor(Date.now() / 1000);
    await env.DB.prepare(
      "INSERT INTO registrations (id, tenant_id, user_id, application_id, roles, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
      .bind(crypto.randomUUID(), tenantId, id, clientId, "[]", now, now)
      .run();
    const b = new Browser();
    const r = await b.submit(await loginPage(b, clientId), "login-form", { loginId: email, password: PASSWORD });
    expect(query(r.location).get("code")).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(query(r.location).get("userState")).toBe("Authenticated");
  });
});
