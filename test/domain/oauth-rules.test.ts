/** OAuth domain rules (pure): client authentication parsing and policy, PKCE, scopes, error mapping. */
import { describe, expect, it } from "vitest";
import { clientAuthenticationRequired, pkceRequired, presentedClient } from "../../src/domain/oauth-client-auth.ts";
import { OAUTH_ERRORS, oauthFailure } from "../../src/domain/oauth-errors.ts";
import { halfHash, isValidCodeVerifier, verifyS256 } from "../../src/domain/oauth-pkce.ts";
import { isScopeSubset, issuesRefreshToken, parseScopes } from "../../src/domain/oauth-scopes.ts";

const basic = (s: string) => `Basic ${btoa(s)}`;
const ID = "3c219e58-ed0e-4b18-ad48-f4f92793ae32";

describe("presentedClient (RFC 6749 §2.3.1, FusionAuth's reading)", () => {
  it("reads body credentials, and no secret when none is sent", () => {
    expect(presentedClient(null, { clientId: ID, clientSecret: "s3" })).toEqual({
      ok: true,
      client: { clientId: ID, secrets: ["s3"], basic: false },
    });
    expect(presentedClient(null, { clientId: ID, clientSecret: null })).toEqual({
      ok: true,
      client: { clientId: ID, secrets: [], basic: false },
    });
  });

  it("keeps the literal 'undefined' secret FusionAuth's TypeScript client sends, so it is checked and fails", () => {
    const r = presentedClient(null, { clientId: ID, clientSecret: "undefined" });
    expect(r.ok && r.client.secrets).toEqual(["undefined"]);
  });

  it("Basic: splits at the first colon and tries the raw secret, then the form-decoded one", () => {
    const r = presentedClient(basic(`${ID}:a+b%2Fc:d`), { clientId: null, clientSecret: null });
    expect(r).toEqual({ ok: true, client: { clientId: ID, secrets: ["a+b%2Fc:d", "a b/c:d"], basic: true } });
  });

  it("Basic: the scheme is case-insensitive; another scheme or bad base64 fails with FusionAuth's reasons", () => {
    expect(presentedClient(`bAsIc ${btoa(`${ID}:x`)}`, { clientId: null, clientSecret: null }).ok).toBe(true);
    expect(presentedClient("Bearer abc", { clientId: null, clientSecret: null })).toMatchObject({
      ok: false,
      failure: { error: "invalid_client", error_reason: "invalid_client_authentication_scheme", status: 401 },
    });
    for (const bad of ["Basic !!!", `Basic ${btoa("no-colon")}`, "Basic"])
      expect(presentedClient(bad, { clientId: null, clientSecret: null })).toMatchObject({
        ok: false,
        basic: true,
        failure: { error: "invalid_client", error_reason: "invalid_client_authentication" },
      });
  });

  it("Basic: a body client_id naming another client is client_id_mismatch", () => {
    expect(presentedClient(basic(`${ID}:x`), { clientId: crypto.randomUUID(), clientSecret: null })).toMatchObject({
      ok: false,
      failure: { error: "invalid_client", error_reason: "client_id_mismatch" },
    });
    expect(presentedClient(basic(`${ID}:x`), { clientId: ID, clientSecret: null }).ok).toBe(true);
  });
});

describe("policy table", () => {
  it("client authentication: Required / NotRequired / NotRequiredWhenUsingPKCE per grant", () => {
    expect(clientAuthenticationRequired("Required", "authorization_code", true)).toBe(true);
    expect(clientAuthenticationRequired("NotRequired", "authorization_code", false)).toBe(false);
    expect(clientAuthenticationRequired("NotRequiredWhenUsingPKCE", "authorization_code", true)).toBe(false);
    expect(clientAuthenticationRequired("NotRequiredWhenUsingPKCE", "authorization_code", false)).toBe(true);
    expect(clientAuthenticationRequired("NotRequiredWhenUsingPKCE", "refresh_token", false)).toBe(true);
    expect(clientAuthenticationRequired("NotRequired", "refresh_token", false)).toBe(false);
  });

  it("PKCE: Required / NotRequired / NotRequiredWhenUsingClientAuthentication", () => {
    expect(pkceRequired("Required", true)).toBe(true);
    expect(pkceRequired("NotRequired", false)).toBe(false);
    expect(pkceRequired("NotRequiredWhenUsingClientAuthentication", true)).toBe(false);
    expect(pkceRequired("NotRequiredWhenUsingClientAuthentication", false)).toBe(true);
  });
});

describe("PKCE (RFC 7636)", () => {
  // RFC 7636 Appendix B.
  const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

  it("S256 matches the Appendix B vector and nothing else", async () => {
    expect(await verifyS256(verifier, challenge)).toBe(true);
    expect(await verifyS256(`${verifier.slice(0, -1)}Y`, challenge)).toBe(false);
    expect(await verifyS256(verifier, challenge.slice(0, -1))).toBe(false);
  });

  it("verifier syntax: 43–128 unreserved characters (§4.1)", () => {
    expect(isValidCodeVerifier(verifier)).toBe(true);
    expect(isValidCodeVerifier("a".repeat(42))).toBe(false);
    expect(isValidCodeVerifier("a".repeat(128))).toBe(true);
    expect(isValidCodeVerifier("a".repeat(129))).toBe(false);
    expect(isValidCodeVerifier(`${"a".repeat(42)}+`)).toBe(false);
    expect(isValidCodeVerifier(`${"a".repeat(40)}-._~`)).toBe(true);
  });

  it("at_hash/c_hash: left half of SHA-256, base64url (OIDC Core §3.3.2.11)", async () => {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223 b00361a396177a9cb410ff61f20015ad
    expect(await halfHash("abc")).toBe("ungWv48Bz-pBQUDeXa4iIw");
  });
});

describe("scopes", () => {
  it("parse, subset, refresh-token issuance", () => {
    expect(parseScopes(" openid  offline_access openid ")).toEqual(["openid", "offline_access"]);
    expect(isScopeSubset(["openid"], ["openid", "email"])).toBe(true);
    expect(isScopeSubset(["openid", "profile"], ["openid", "email"])).toBe(false);
    expect(issuesRefreshToken(["openid", "offline_access"], true)).toBe(true);
    expect(issuesRefreshToken(["openid", "offline_access"], false)).toBe(false);
    expect(issuesRefreshToken(["openid"], true)).toBe(false);
  });
});

describe("OAuth error mapping (FusionAuth: 401 only for invalid_client)", () => {
  it("maps statuses and omits an absent reason", () => {
    expect(OAUTH_ERRORS.unknownClient().status).toBe(401);
    expect(OAUTH_ERRORS.missingVerifier()).toMatchObject({ error: "invalid_client", status: 401 });
    expect(OAUTH_ERRORS.codeNotFound()).toEqual({
      error: "invalid_request",
      error_reason: "auth_code_not_found",
      error_description: "Invalid Authorization Code",
      status: 400,
    });
    expect(oauthFailure("invalid_scope", null, "x")).toEqual({
      error: "invalid_scope",
      error_description: "x",
      status: 400,
    });
  });
});
