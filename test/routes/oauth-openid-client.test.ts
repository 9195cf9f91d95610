/**
 * The OAuth 2.0 / OIDC endpoints driven by openid-client v6, an independent relying party: discovery,
 * the code exchange with PKCE, state, nonce and RFC 9207 `iss`, id_token validation against the
 * tenant's JWKS (RS256 and ES256), userinfo, and refresh with rotation. Codes come from
 * `issueAuthorizationCode` (what /oauth2/authorize does after the pages).
 */
import { decodeProtectedHeader } from "jose";
import * as client from "openid-client";
import { beforeEach, describe, expect, it } from "vitest";
import { clock } from "../support/mfa.ts";
import { tenantJwks } from "../support/keys.ts";
import { issueCode, oauthFixture, REDIRECT, routedFetch, type Fixture } from "../support/oauth.ts";

beforeEach(() => {
  clock.now = Math.floor(Date.now() / 1000);
});

async function discover(fx: Fixture, metadata: Partial<client.ClientMetadata> = {}, auth?: client.ClientAuth) {
  return client.discovery(
    new URL(fx.issuer),
    fx.clientId,
    { client_secret: fx.secret, ...metadata },
    auth ?? client.ClientSecretPost(fx.secret),
    { execute: [client.allowInsecureRequests], [client.customFetch]: routedFetch as client.CustomFetch },
  );
}

/** The authorization response the hosted pages would redirect to, with a code for this login. */
async function callback(fx: Fixture, opts: { verifier: string; state: string; nonce: string }) {
  const code = await issueCode(fx, {
    codeChallenge: await client.calculatePKCECodeChallenge(opts.verifier),
    nonce: opts.nonce,
  });
  const url = new URL(REDIRECT);
  url.search = new URLSearchParams({ code, state: opts.state, iss: fx.issuer }).toString();
  return { url, code };
}

describe("openid-client against edge-mfa", () => {
  it("discovers the tenant's provider metadata at the issuer's well-known URL", async () => {
    const fx = await oauthFixture();
    const config = await discover(fx);
    const m = config.serverMetadata();
    expect(m).toMatchObject({
      issuer: fx.issuer,
      authorization_endpoint: "http://edge-mfa.test/oauth2/authorize",
      token_endpoint: "http://edge-mfa.test/oauth2/token",
      userinfo_endpoint: "http://edge-mfa.test/oauth2/userinfo",
      jwks_uri: `http://edge-mfa.test/${fx.tenantId}/.well-known/jwks.json`,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code", "refresh_token"],
    });
  });

  for (const alg of ["RS256", "ES256"] as const) {
    it(`code + PKCE + state + nonce → tokens, ${alg} id_token verified against the JWKS, userinfo, refresh rotation`, async () => {
      const fx = await oauthFixture({ alg });
      const config = await discover(fx, { id_token_signed_response_alg: alg });
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const { url } = await callback(fx, { verifier, state, nonce });

      const tokens = await client.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      expect(tokens.token_type).toBe("bearer");
      expect(tokens.expires_in).toBeGreaterThan(3500);
      expect(tokens.scope).toBe("openid offline_access email profile");
      expect(tokens.refresh_token).toHaveLength(86);
      const idClaims = tokens.claims()!;
      expect(idClaims).toMatchObject({
        iss: fx.issuer,
        sub: fx.user.id,
        aud: fx.clientId,
        nonce,
        email: fx.user.email,
        email_verified: true,
        given_name: "Ada",
        family_name: "Lovelace",
        name: "Ada Lovelace",
        tid: fx.tenantId,
        authenticationType: "PASSWORD",
      });
      expect(idClaims.sid).toEqual(expect.any(String));
      expect(idClaims.applicationId).toBeUndefined();
      const header = decodeProtectedHeader(tokens.id_token!);
      expect(header.alg).toBe(alg);
      expect((await tenantJwks(fx.tenantId)).keys.map((k) => k.kid)).toContain(header.kid);

      const info = await client.fetchUserInfo(config, tokens.access_token, fx.user.id);
      expect(info).toEqual({
        sub: fx.user.id,
        tid: fx.tenantId,
        email: fx.user.email,
        email_verified: true,
        given_name: "Ada",
        family_name: "Lovelace",
        name: "Ada Lovelace",
        preferred_username: `ada-${fx.tenantId}`,
      });

      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.access_token).not.toBe(tokens.access_token);
      expect(refreshed.claims()).toMatchObject({ sub: fx.user.id, aud: fx.clientId });
      // Reusable (FusionAuth's default): the same refresh token comes back.
      expect(refreshed.refresh_token).toBe(tokens.refresh_token);
    });
  }

  it("OneTimeUse: each refresh rotates the token; the old one is refused", async () => {
    const fx = await oauthFixture({
      application: { jwtConfiguration: { enabled: true, refreshTokenUsagePolicy: "OneTimeUse" } },
    });
    const config = await discover(fx, {}, client.ClientSecretBasic(fx.secret));
    const verifier = client.randomPKCECodeVerifier();
    const { url } = await callback(fx, { verifier, state: "s1", nonce: "n1" });
    const tokens = await client.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: verifier,
      expectedState: "s1",
      expectedNonce: "n1",
    });
    const second = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(second.refresh_token).toHaveLength(86);
    expect(second.refresh_token).not.toBe(tokens.refresh_token);
    const third = await client.refreshTokenGrant(config, second.refresh_token!);
    expect(third.refresh_token).not.toBe(second.refresh_token);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });
});

describe("openid-client sees FusionAuth's error codes", () => {
  /** Runs the code grant and returns what openid-client rejected with (status, error, FusionAuth's error_reason). */
  async function rejected(config: client.Configuration, url: URL, checks: client.AuthorizationCodeGrantChecks = {}) {
    const err: any = await client.authorizationCodeGrant(config, url, checks).then(
      () => null,
      (e) => e,
    );
    expect(err, "the grant must fail").not.toBeNull();
    // A 401 with `WWW-Authenticate: Basic` surfaces as openid-client's challenge error; the body is still FusionAuth's.
    if (err.code === "OAUTH_WWW_AUTHENTICATE_CHALLENGE") {
      const body = (await err.response.json()) as { error: string; error_reason: string };
      expect(err.cause).toEqual([expect.objectContaining({ scheme: "basic" })]);
      return { status: err.status, error: body.error, reason: body.error_reason };
    }
    return { status: err.status, error: err.error, reason: err.cause?.error_reason };
  }

  const codeNotFound = { status: 400, error: "invalid_request", reason: "auth_code_not_found" };

  function at(fx: Fixture, code: string, base = REDIRECT) {
    const url = new URL(base);
    url.search = new URLSearchParams({ code, iss: fx.issuer }).toString();
    return url;
  }

  it("wrong verifier, missing verifier, replayed code (which also revokes its refresh token)", async () => {
    const fx = await oauthFixture();
    const config = await discover(fx);
    const verifier = client.randomPKCECodeVerifier();
    const challenge = await client.calculatePKCECodeChallenge(verifier);
    expect(
      await rejected(config, at(fx, await issueCode(fx, { codeChallenge: challenge })), {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
      }),
    ).toEqual(codeNotFound);
    expect(await rejected(config, at(fx, await issueCode(fx, { codeChallenge: challenge })))).toEqual(codeNotFound);

    const code = await issueCode(fx, { codeChallenge: challenge });
    const first = await client.authorizationCodeGrant(config, at(fx, code), { pkceCodeVerifier: verifier });
    expect(await rejected(config, at(fx, code), { pkceCodeVerifier: verifier })).toEqual(codeNotFound);
    await expect(client.refreshTokenGrant(config, first.refresh_token!)).rejects.toMatchObject({
      error: "invalid_grant",
      cause: { error_reason: "refresh_token_not_found" },
    });
  });

  it("another client's code, an expired code, a wrong client secret, an unregistered redirect_uri", async () => {
    const fx = await oauthFixture();
    const other = await oauthFixture();
    const config = await discover(fx);
    const otherConfig = await discover(other);
    expect(await rejected(otherConfig, at(other, await issueCode(fx)))).toEqual(codeNotFound);

    const expiring = await issueCode(fx, {}, 30);
    clock.now += 31;
    expect(await rejected(config, at(fx, expiring))).toEqual(codeNotFound);
    clock.now -= 31;

    const wrongSecret = await discover(
      fx,
      { client_secret: "not-the-secret" },
      client.ClientSecretBasic("not-the-secret"),
    );
    expect(await rejected(wrongSecret, at(fx, await issueCode(fx)))).toEqual({
      status: 401,
      error: "invalid_client",
      reason: "invalid_client_authentication",
    });

    expect(await rejected(config, at(fx, await issueCode(fx), "https://evil.example/cb"))).toEqual({
      status: 400,
      error: "invalid_grant",
      reason: "invalid_redirect_uri",
    });
  });
});
