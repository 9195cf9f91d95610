/**
 * /oauth2/userinfo (Strict and Compatibility), /oauth2/introspect, OIDC discovery at FusionAuth's four
 * paths, and revocation of a user's OAuth sessions on password change, deactivation and deletion.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { api } from "../helpers.ts";
import { clock } from "../support/mfa.ts";
import {
  BASE,
  issueCode,
  oauthFixture,
  REDIRECT,
  routedFetch,
  services,
  token,
  type Fixture,
} from "../support/oauth.ts";

beforeEach(() => {
  clock.now = Math.floor(Date.now() / 1000);
});

async function tokensFor(fx: Fixture, scopes = ["openid", "offline_access", "email", "profile"]) {
  const r = await token({
    grant_type: "authorization_code",
    code: await issueCode(fx, { scopes }),
    redirect_uri: REDIRECT,
    client_id: fx.clientId,
    client_secret: fx.secret,
  });
  expect(r.status).toBe(200);
  return r.json;
}

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await routedFetch(`${BASE}${path}`, { headers });
  const text = await res.text();
  const json =
    (res.headers.get("content-type") ?? "").startsWith("application/json") && text ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

async function postForm(path: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await routedFetch(`${BASE}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

const userinfo = (accessToken?: string) =>
  get("/oauth2/userinfo", accessToken ? { authorization: `Bearer ${accessToken}` } : {});

describe("/oauth2/userinfo", () => {
  it("Strict: sub, tid and the scoped claims; no-store JSON", async () => {
    const fx = await oauthFixture();
    const t = await tokensFor(fx, ["openid", "email"]);
    const r = await userinfo(t.access_token);
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.json).toEqual({ sub: fx.user.id, tid: fx.tenantId, email: fx.user.email, email_verified: true });
    // POST works too.
    const res = await routedFetch(`${BASE}/oauth2/userinfo`, {
      method: "POST",
      headers: { authorization: `Bearer ${t.access_token}` },
    });
    expect(res.status).toBe(200);
  });

  it("no bearer token → 401 empty; garbage → access_token_malformed; an id_token → access_token_invalid", async () => {
    const fx = await oauthFixture();
    const t = await tokensFor(fx);
    const none = await userinfo();
    expect({ status: none.status, text: none.text }).toEqual({ status: 401, text: "" });
    const basic = await get("/oauth2/userinfo", { authorization: "Basic abc" });
    expect(basic.status).toBe(401);
    expect((await userinfo("not.a.jwt")).json).toMatchObject({
      error: "invalid_token",
      error_reason: "access_token_malformed",
    });
    const forged = `${t.access_token.slice(0, -4)}AAAA`;
    expect((await userinfo(forged)).json).toMatchObject({ error_reason: "access_token_malformed" });
    const id = await userinfo(t.id_token);
    expect(id.status).toBe(400);
    expect(id.json).toMatchObject({ error: "invalid_token", error_reason: "access_token_invalid" });
  });

  it("expired → access_token_expired; without openid → missing_required_scope; deleted user → user_not_found", async () => {
    const fx = await oauthFixture();
    const t = await tokensFor(fx);
    clock.now += 3601;
    expect((await userinfo(t.access_token)).json).toMatchObject({ error_reason: "access_token_expired" });
    clock.now -= 3601;
    const noOpenid = await tokensFor(fx, ["email"]);
    expect((await userinfo(noOpenid.access_token)).json).toEqual({
      error: "invalid_request",
      error_reason: "missing_required_scope",
      error_description: "Missing the required [openid] scope.",
    });
    expect((await api(`/api/user/${fx.user.id}`, { method: "DELETE", key: fx.key })).status).toBe(200);
    expect((await userinfo(t.access_token)).json).toMatchObject({ error_reason: "user_not_found" });
  });

  it("Compatibility: the access token's claims (roles, applicationId, scope…) plus the user's, openid not required", async () => {
    const fx = await oauthFixture({ oauth: { scopeHandlingPolicy: "Compatibility" } });
    const n = clock.now;
    await env.DB.prepare(
      "INSERT INTO registrations (id, tenant_id, user_id, application_id, roles, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
      .bind(crypto.randomUUID(), fx.tenantId, fx.user.id, fx.clientId, JSON.stringify(["user"]), n, n)
      .run();
    const t = await tokensFor(fx, ["offline_access"]);
    const r = await userinfo(t.access_token);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      sub: fx.user.id,
      tid: fx.tenantId,
      applicationId: fx.clientId,
      roles: ["user"],
      scope: "offline_access",
      sid: t.refresh_token_id,
      email: fx.user.email,
      email_verified: true,
      name: "Ada Lovelace",
    });
    for (const k of ["aud", "exp", "iat", "iss", "jti", "auth_time", "authenticationType"])
      expect(r.json[k]).toBeUndefined();
  });
});

describe("/oauth2/introspect", () => {
  it("active with the claims for the client the token was issued to; inactive otherwise", async () => {
    const fx = await oauthFixture();
    const other = await oauthFixture();
    const t = await tokensFor(fx);
    const r = await postForm("/oauth2/introspect", { client_id: fx.clientId, token: t.access_token });
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.json).toMatchObject({
      active: true,
      sub: fx.user.id,
      aud: fx.clientId,
      tid: fx.tenantId,
      scope: expect.any(String),
    });
    expect((await postForm("/oauth2/introspect", { client_id: other.clientId, token: t.access_token })).json).toEqual({
      active: false,
    });
    expect((await postForm("/oauth2/introspect", { client_id: fx.clientId, token: "garbage" })).json).toEqual({
      active: false,
    });
    clock.now += 3601;
    expect((await postForm("/oauth2/introspect", { client_id: fx.clientId, token: t.access_token })).json).toEqual({
      active: false,
    });
  });

  it("errors: missing client_id, missing token, bad hint, wrong secret", async () => {
    const fx = await oauthFixture();
    expect((await postForm("/oauth2/introspect", { token: "x" })).json).toMatchObject({
      error_reason: "missing_client_id",
    });
    expect((await postForm("/oauth2/introspect", { client_id: fx.clientId })).json).toMatchObject({
      error_reason: "missing_token",
    });
    expect(
      (await postForm("/oauth2/introspect", { client_id: fx.clientId, token: "x", token_type_hint: "foo" })).json,
    ).toMatchObject({ error: "unsupported_token_type" });
    const wrong = await postForm("/oauth2/introspect", { client_id: fx.clientId, client_secret: "nope", token: "x" });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: "invalid_client" });
  });
});

describe("discovery", () => {
  it("serves the tenant's metadata at /{tenantId}/.well-known/…, /.well-known/…/{tenantId} and ?tenantId=", async () => {
    const fx = await oauthFixture();
    const paths = [
      `/${fx.tenantId}/.well-known/openid-configuration`,
      `/.well-known/openid-configuration/${fx.tenantId}`,
      `/.well-known/openid-configuration?tenantId=${fx.tenantId}`,
    ];
    const bodies: any[] = [];
    for (const p of paths) {
      const r = await get(p);
      expect(r.status, p).toBe(200);
      expect(r.text).toContain('\n  "issuer"');
      bodies.push(r.json);
    }
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    expect(bodies[0]).toMatchObject({
      issuer: fx.issuer,
      token_endpoint: `${BASE}/oauth2/token`,
      response_types_supported: ["code"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      id_token_signing_alg_values_supported: ["RS256", "ES256"],
    });
    expect(bodies[0].introspection_endpoint).toBeUndefined();
    // The base URL is the request's.
    const res = await routedFetch(`https://login.example.com/${fx.tenantId}/.well-known/openid-configuration`);
    expect(((await res.json()) as { token_endpoint: string }).token_endpoint).toBe(
      "https://login.example.com/oauth2/token",
    );
  });

  it("unknown tenant → 404; the bare path with several tenants and none named → 404", async () => {
    await oauthFixture();
    await oauthFixture();
    expect((await get(`/${crypto.randomUUID()}/.well-known/openid-configuration`)).status).toBe(404);
    expect((await get("/.well-known/openid-configuration/nope")).status).toBe(404);
    expect((await get("/.well-known/openid-configuration")).status).toBe(404);
  });
});

describe("revocation: a user's refresh tokens end with a password change, deactivation or deletion", () => {
  const refresh = (fx: Fixture, t: string) =>
    token({ grant_type: "refresh_token", refresh_token: t, client_id: fx.clientId, client_secret: fx.secret });

  it("password change", async () => {
    const fx = await oauthFixture();
    const t = await tokensFor(fx);
    expect((await refresh(fx, t.refresh_token)).status).toBe(200);
    const u = await api(`/api/user/${fx.user.id}`, {
      method: "PATCH",
      key: fx.key,
      body: { user: { password: "a whole new password 123" } },
    });
    expect(u.status, u.text).toBe(200);
    expect((await refresh(fx, t.refresh_token)).json).toMatchObject({ error_reason: "refresh_token_not_found" });
  });

  it("deactivation", async () => {
    const fx = await oauthFixture();
    const t = await tokensFor(fx);
    const u = await api(`/api/user/${fx.user.id}`, { method: "PATCH", key: fx.key, body: { user: { active: false } } });
    expect(u.status, u.text).toBe(200);
    // Reactivating does not bring the token back: it was deleted, not just refused.
    await api(`/api/user/${fx.user.id}`, { method: "PATCH", key: fx.key, body: { user: { active: true } } });
    expect((await refresh(fx, t.refresh_token)).json).toMatchObject({ error_reason: "refresh_token_not_found" });
  });

  it("deletion, and a code issued before it is dead too", async () => {
    const fx = await oauthFixture();
    const t = await tokensFor(fx);
    const code = await issueCode(fx);
    const store = services().sessions(fx.tenantId, fx.user.id);
    expect(await store.list("refresh", clock.now)).toHaveLength(1);
    expect((await api(`/api/user/${fx.user.id}`, { method: "DELETE", key: fx.key })).status).toBe(200);
    // Nothing of the user's OAuth state survives in storage (not merely refused because the user is gone).
    expect(await store.list("refresh", clock.now)).toEqual([]);
    expect(await store.list("code", clock.now)).toEqual([]);
    expect((await refresh(fx, t.refresh_token)).json).toMatchObject({ error_reason: "refresh_token_not_found" });
    const r = await token({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT,
      client_id: fx.clientId,
      client_secret: fx.secret,
    });
    expect(r.json).toMatchObject({ error_reason: "auth_code_not_found" });
  });
});
