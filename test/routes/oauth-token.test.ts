/**
 * POST /oauth2/token: FusionAuth's validation order and error codes, single-use codes bound to client,
 * redirect_uri and PKCE verifier, replay revocation, refresh-token rotation under concurrency, and the
 * response and claim shapes (§3.2–3.4 of the wire reference; RFC 6749, RFC 7636, RFC 9700 §4.14.2).
 */
import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { halfHash } from "../../src/domain/oauth-pkce.ts";
import { tenantJwks } from "../support/keys.ts";
import { clock } from "../support/mfa.ts";
import { issueCode, oauthFixture, REDIRECT, token, type Fixture } from "../support/oauth.ts";

beforeEach(() => {
  clock.now = Math.floor(Date.now() / 1000);
});

const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

function exchange(fx: Fixture, code: string, extra: Record<string, string> = {}) {
  return token({
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT,
    client_id: fx.clientId,
    client_secret: fx.secret,
    ...extra,
  });
}

function refresh(fx: Fixture, refreshToken: string, extra: Record<string, string> = {}) {
  return token({
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: fx.clientId,
    client_secret: fx.secret,
    ...extra,
  });
}

const codeNotFound = {
  error: "invalid_request",
  error_reason: "auth_code_not_found",
  error_description: "Invalid Authorization Code",
};
const refreshNotFound = { error: "invalid_grant", error_reason: "refresh_token_not_found" };

describe("authorization_code: success shape", () => {
  it("answers FusionAuth's fields with no-store JSON; access token and id_token claims per §5", async () => {
    const fx = await oauthFixture();
    const now = clock.now;
    const code = await issueCode(fx, {
      codeChallenge: CHALLENGE,
      nonce: "n-1",
      authTime: now - 60,
      ssoSessionId: "sso-1",
    });
    const r = await exchange(fx, code, { code_verifier: VERIFIER });
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(Object.keys(r.json).sort()).toEqual(
      [
        "access_token",
        "expires_in",
        "id_token",
        "refresh_token",
        "refresh_token_id",
        "scope",
        "token_type",
        "userId",
      ].sort(),
    );
    expect(r.json).toMatchObject({
      expires_in: 3600,
      token_type: "Bearer",
      userId: fx.user.id,
      scope: "openid offline_access email profile",
    });

    const jwks = createLocalJWKSet(await tenantJwks(fx.tenantId));
    const at = (await jwtVerify(r.json.access_token, jwks, { issuer: fx.issuer, audience: fx.clientId })).payload;
    expect(decodeProtectedHeader(r.json.access_token)).toMatchObject({
      alg: "RS256",
      typ: "JWT",
      kid: expect.any(String),
    });
    expect(at).toMatchObject({
      aud: fx.clientId,
      sub: fx.user.id,
      tid: fx.tenantId,
      iat: now,
      exp: now + 3600,
      auth_time: now - 60,
      authenticationType: "PASSWORD",
      scope: "openid offline_access email profile",
      sid: r.json.refresh_token_id,
      amr: ["pwd", "otp", "mfa"],
    });
    expect(typeof at.aud).toBe("string");
    // Not registered: no applicationId/roles; Strict: no email in the access token.
    expect(at.applicationId).toBeUndefined();
    expect(at.roles).toBeUndefined();
    expect(at.email).toBeUndefined();

    const id = (await jwtVerify(r.json.id_token, jwks, { issuer: fx.issuer, audience: fx.clientId })).payload;
    expect(id).toMatchObject({
      nonce: "n-1",
      sid: "sso-1",
      at_hash: await halfHash(r.json.access_token),
      c_hash: await halfHash(code),
      email: fx.user.email,
      given_name: "Ada",
    });
    expect(id.roles).toBeUndefined();
  });

  it("registered users get applicationId and roles; without offline_access no refresh token and no sid", async () => {
    const fx = await oauthFixture();
    const t = clock.now;
    await env.DB.prepare(
      "INSERT INTO registrations (id, tenant_id, user_id, application_id, roles, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
      .bind(crypto.randomUUID(), fx.tenantId, fx.user.id, fx.clientId, JSON.stringify(["admin"]), t, t)
      .run();
    const r = await exchange(fx, await issueCode(fx, { scopes: ["openid"] }));
    expect(r.status).toBe(200);
    expect(r.json.refresh_token).toBeUndefined();
    expect(r.json.refresh_token_id).toBeUndefined();
    expect(r.json.scope).toBe("openid");
    const at = decodeJwt(r.json.access_token);
    expect(at).toMatchObject({ applicationId: fx.clientId, roles: ["admin"] });
    expect(at.sid).toBeUndefined();
    const id = decodeJwt(r.json.id_token);
    expect(id.email).toBeUndefined();
    expect(id.applicationId).toBeUndefined();
  });

  it("without openid there is no id_token; without any scope no scope field", async () => {
    const fx = await oauthFixture();
    const r = await exchange(fx, await issueCode(fx, { scopes: [] }));
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(["access_token", "expires_in", "token_type", "userId"]);
  });

  it("the application's jwtConfiguration sets the lifetimes when enabled", async () => {
    const fx = await oauthFixture({ application: { jwtConfiguration: { enabled: true, timeToLiveInSeconds: 600 } } });
    const r = await exchange(fx, await issueCode(fx));
    expect(r.json.expires_in).toBe(600);
  });
});

describe("authorization_code: the code is bound and single-use (any mismatch burns it)", () => {
  it("wrong verifier → auth_code_not_found, and the right one afterwards fails too", async () => {
    const fx = await oauthFixture();
    const code = await issueCode(fx, { codeChallenge: CHALLENGE });
    const bad = await exchange(fx, code, { code_verifier: `${VERIFIER.slice(0, -1)}Y` });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual(codeNotFound);
    expect((await exchange(fx, code, { code_verifier: VERIFIER })).json).toEqual(codeNotFound);
  });

  it("challenge stored but no verifier sent, or a verifier without a stored challenge → auth_code_not_found", async () => {
    const fx = await oauthFixture();
    expect((await exchange(fx, await issueCode(fx, { codeChallenge: CHALLENGE }))).json).toEqual(codeNotFound);
    expect((await exchange(fx, await issueCode(fx), { code_verifier: VERIFIER })).json).toEqual(codeNotFound);
  });

  it("a verifier of bad syntax → invalid_pkce_code_verifier; PKCE Required without one → 401 missing_code_verifier", async () => {
    const fx = await oauthFixture({ oauth: { proofKeyForCodeExchangePolicy: "Required" } });
    const code = await issueCode(fx, { codeChallenge: CHALLENGE });
    const syntax = await exchange(fx, code, { code_verifier: "short" });
    expect(syntax.status).toBe(400);
    expect(syntax.json).toMatchObject({ error: "invalid_request", error_reason: "invalid_pkce_code_verifier" });
    const missing = await exchange(fx, code);
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ error: "invalid_client", error_reason: "missing_code_verifier" });
    // Neither burned the code (they fail before the exchange).
    expect((await exchange(fx, code, { code_verifier: VERIFIER })).status).toBe(200);
  });

  it("a replayed code fails and revokes the refresh token its first use issued", async () => {
    const fx = await oauthFixture();
    const code = await issueCode(fx);
    const first = await exchange(fx, code);
    expect(first.status).toBe(200);
    expect((await refresh(fx, first.json.refresh_token)).status).toBe(200);
    const replay = await exchange(fx, code);
    expect(replay.status).toBe(400);
    expect(replay.json).toEqual(codeNotFound);
    const after = await refresh(fx, first.json.refresh_token);
    expect(after.status).toBe(400);
    expect(after.json).toMatchObject(refreshNotFound);
  });

  it("another client's code → auth_code_not_found (and it is burned for its own client too)", async () => {
    const a = await oauthFixture();
    const b = await oauthFixture();
    const code = await issueCode(a);
    const stolen = await exchange(b, code);
    expect(stolen.status).toBe(400);
    expect(stolen.json).toEqual(codeNotFound);
    expect((await exchange(a, code)).json).toEqual(codeNotFound);
  });

  it("an expired code → auth_code_not_found", async () => {
    const fx = await oauthFixture();
    const code = await issueCode(fx, {}, 30);
    clock.now += 31;
    expect((await exchange(fx, code)).json).toEqual(codeNotFound);
  });

  it("a redirect_uri that is registered but not the one of the authorize request → auth_code_not_found", async () => {
    const other = "https://rp.example/other";
    const fx = await oauthFixture({ oauth: { authorizedRedirectURLs: [REDIRECT, other] } });
    const code = await issueCode(fx);
    expect((await exchange(fx, code, { redirect_uri: other })).json).toEqual(codeNotFound);
  });

  it("an unregistered redirect_uri → invalid_grant/invalid_redirect_uri (before the code is touched)", async () => {
    const fx = await oauthFixture();
    const code = await issueCode(fx);
    const r = await exchange(fx, code, { redirect_uri: "https://evil.example/cb" });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      error: "invalid_grant",
      error_reason: "invalid_redirect_uri",
      error_description: "redirect_uri: https://evil.example/cb is not valid.",
    });
    expect((await exchange(fx, code)).status).toBe(200);
  });
});

describe("authorization_code: request and client errors in FusionAuth's order", () => {
  it("grant_type missing / unknown", async () => {
    expect((await token({})).json).toMatchObject({ error: "invalid_request", error_reason: "missing_grant_type" });
    const u = await token({ grant_type: "client_credentials" });
    expect(u.status).toBe(400);
    expect(u.json.error).toBe("unsupported_grant_type");
  });

  it("client_id missing / unknown; secret missing; wrong secret (body and Basic)", async () => {
    const fx = await oauthFixture();
    const code = await issueCode(fx);
    const base = { grant_type: "authorization_code", code, redirect_uri: REDIRECT };
    expect((await token(base)).json).toMatchObject({ error: "invalid_request", error_reason: "missing_client_id" });
    const unknown = await token({ ...base, client_id: crypto.randomUUID(), client_secret: "x" });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toMatchObject({ error: "invalid_client", error_reason: "invalid_client_id" });
    const none = await token({ ...base, client_id: fx.clientId });
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ error: "invalid_client", error_reason: "client_authentication_missing" });
    const wrong = await token({ ...base, client_id: fx.clientId, client_secret: `${fx.secret}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: "invalid_client", error_reason: "invalid_client_authentication" });
    expect(wrong.headers.get("www-authenticate")).toBeNull();
    const basic = await token(base, { authorization: `Basic ${btoa(`${fx.clientId}:nope`)}` });
    expect(basic.status).toBe(401);
    expect(basic.headers.get("www-authenticate")).toMatch(/^Basic/);
    const mismatch = await token(
      { ...base, client_id: crypto.randomUUID() },
      { authorization: `Basic ${btoa(`${fx.clientId}:${fx.secret}`)}` },
    );
    expect(mismatch.json).toMatchObject({ error: "invalid_client", error_reason: "client_id_mismatch" });
    // None of these consumed the code.
    const ok = await token(base, { authorization: `Basic ${btoa(`${fx.clientId}:${fx.secret}`)}` });
    expect(ok.status).toBe(200);
  });

  it("a sent secret is always checked: the TypeScript client's literal 'undefined' fails even when none is required", async () => {
    const fx = await oauthFixture({ oauth: { clientAuthenticationPolicy: "NotRequired" } });
    const code = await issueCode(fx);
    const r = await exchange(fx, code, { client_secret: "undefined" });
    expect(r.status).toBe(401);
    expect(r.json.error_reason).toBe("invalid_client_authentication");
    const { client_secret: _drop, ...noSecret } = {
      client_secret: "",
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT,
      client_id: fx.clientId,
    };
    expect((await token(noSecret)).status).toBe(200);
  });

  it("Basic and body secrets both sent: a wrong one fails even when the other is right (RFC 6749 §2.3, §5.2)", async () => {
    const fx = await oauthFixture();
    const base = { grant_type: "authorization_code", redirect_uri: REDIRECT, client_id: fx.clientId };
    const right = `Basic ${btoa(`${fx.clientId}:${fx.secret}`)}`;
    const wrong = `Basic ${btoa(`${fx.clientId}:nope`)}`;
    const rightHeaderWrongBody = await token(
      { ...base, code: await issueCode(fx), client_secret: "undefined" },
      { authorization: right },
    );
    expect(rightHeaderWrongBody.status).toBe(401);
    expect(rightHeaderWrongBody.json).toMatchObject({
      error: "invalid_client",
      error_reason: "invalid_client_authentication",
    });
    const wrongHeaderRightBody = await token(
      { ...base, code: await issueCode(fx), client_secret: fx.secret },
      { authorization: wrong },
    );
    expect(wrongHeaderRightBody.status).toBe(401);
    expect(wrongHeaderRightBody.json.error_reason).toBe("invalid_client_authentication");
    // The same secret in both places is one credential, not two: accepted.
    const same = await token(
      { ...base, code: await issueCode(fx), client_secret: fx.secret },
      { authorization: right },
    );
    expect(same.status).toBe(200);
  });

  it("NotRequiredWhenUsingPKCE: a public client with a verifier needs no secret; without one it does", async () => {
    const fx = await oauthFixture({ oauth: { clientAuthenticationPolicy: "NotRequiredWhenUsingPKCE" } });
    const base = { grant_type: "authorization_code", redirect_uri: REDIRECT, client_id: fx.clientId };
    const pkce = await token({
      ...base,
      code: await issueCode(fx, { codeChallenge: CHALLENGE }),
      code_verifier: VERIFIER,
    });
    expect(pkce.status).toBe(200);
    const plain = await token({ ...base, code: await issueCode(fx) });
    expect(plain.json.error_reason).toBe("client_authentication_missing");
    // The refresh_token grant always needs the secret under this policy.
    const r = await token({
      grant_type: "refresh_token",
      refresh_token: pkce.json.refresh_token,
      client_id: fx.clientId,
    });
    expect(r.json.error_reason).toBe("client_authentication_missing");
  });

  it("grant disabled; code or redirect_uri missing", async () => {
    const fx = await oauthFixture({ oauth: { enabledGrants: ["refresh_token"] } });
    const r = await exchange(fx, await issueCode(fx));
    expect(r.json).toMatchObject({ error: "unauthorized_client", error_reason: "grant_type_disabled" });
    const fy = await oauthFixture();
    const auth = { grant_type: "authorization_code", client_id: fy.clientId, client_secret: fy.secret };
    expect((await token({ ...auth, redirect_uri: REDIRECT })).json.error_reason).toBe("missing_code");
    expect((await token({ ...auth, code: "x" })).json.error_reason).toBe("missing_redirect_uri");
  });

  it("an unknown or malformed code → auth_code_not_found", async () => {
    const fx = await oauthFixture();
    expect((await exchange(fx, "not-a-code")).json).toEqual(codeNotFound);
    expect((await exchange(fx, "A".repeat(86))).json).toEqual(codeNotFound);
  });
});

describe("refresh_token grant", () => {
  it("errors: missing, unknown, another client's; scope must be a subset", async () => {
    const fx = await oauthFixture();
    const other = await oauthFixture();
    const t = (await exchange(fx, await issueCode(fx))).json.refresh_token;
    expect((await refresh(fx, "")).json).toMatchObject({
      error: "invalid_request",
      error_reason: "missing_refresh_token",
    });
    expect((await refresh(fx, "x".repeat(86))).json).toMatchObject(refreshNotFound);
    expect((await refresh(other, t)).json).toMatchObject(refreshNotFound);
    const wider = await refresh(fx, t, { scope: "openid admin" });
    expect(wider.json).toMatchObject({ error: "invalid_scope" });
    const narrower = await refresh(fx, t, { scope: "openid" });
    expect(narrower.status).toBe(200);
    expect(narrower.json.scope).toBe("openid");
    expect(decodeJwt(narrower.json.access_token)).toMatchObject({
      authenticationType: "REFRESH_TOKEN",
      sid: narrower.json.refresh_token_id,
    });
  });

  it("expires after refreshTokenTimeToLiveInMinutes", async () => {
    const fx = await oauthFixture({
      application: { jwtConfiguration: { enabled: true, refreshTokenTimeToLiveInMinutes: 5 } },
    });
    const t = (await exchange(fx, await issueCode(fx))).json.refresh_token;
    clock.now += 5 * 60 - 1;
    expect((await refresh(fx, t)).status).toBe(200);
    clock.now += 2;
    expect((await refresh(fx, t)).json).toMatchObject(refreshNotFound);
  });

  it("OneTimeUse: of N concurrent refreshes with one token exactly one succeeds, and the reuse revokes the family", async () => {
    const fx = await oauthFixture({
      application: { jwtConfiguration: { enabled: true, refreshTokenUsagePolicy: "OneTimeUse" } },
    });
    const t = (await exchange(fx, await issueCode(fx))).json.refresh_token;
    const results = await Promise.all(Array.from({ length: 6 }, () => refresh(fx, t)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.json).toMatchObject(refreshNotFound);
    // RFC 9700 §4.14.2: the reuse revoked the family, including the winner's new token.
    expect((await refresh(fx, winners[0]!.json.refresh_token)).json).toMatchObject(refreshNotFound);
  });

  it("OneTimeUse: replaying a rotated token revokes the tokens rotated from it", async () => {
    const fx = await oauthFixture({
      application: { jwtConfiguration: { enabled: true, refreshTokenUsagePolicy: "OneTimeUse" } },
    });
    const t1 = (await exchange(fx, await issueCode(fx))).json.refresh_token;
    const r2 = await refresh(fx, t1);
    const r3 = await refresh(fx, r2.json.refresh_token);
    expect(r3.status).toBe(200);
    expect(r3.json.refresh_token_id).not.toBe(r2.json.refresh_token_id);
    expect((await refresh(fx, t1)).json).toMatchObject(refreshNotFound);
    expect((await refresh(fx, r3.json.refresh_token)).json).toMatchObject(refreshNotFound);
  });
});
