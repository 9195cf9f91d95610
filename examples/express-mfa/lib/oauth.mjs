/**
 * The relying-party side of the authorization code flow, as FusionAuth's Express quickstart does it,
 * plus the checks that quickstart leaves out (RFC 9207 `iss`, and `iss`/`aud` on the access token).
 *
 * - PKCE (RFC 7636 §4.1–4.2): a 256-bit verifier, challenge = BASE64URL(SHA-256(verifier)), method S256.
 * - `state` (RFC 6749 §10.12): 256 random bits bound to the browser's session, compared in constant time.
 * - `iss` (RFC 9207 §2.4): the authorization response must name the issuer we started with.
 * - The access token (RFC 9068-style JWT): signature from the tenant's JWKS, selected by the header `kid`
 *   (RFC 7515 §4.1.4); `iss`, `aud` (= client id) and `exp` checked by jose.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createRemoteJWKSet, jwtVerify } from "jose";

/** What the example asks for: an id_token, the email and profile claims, and a refresh token. */
export const SCOPE = "openid email profile offline_access";

/** Asymmetric algorithms only: an `HS*` token would be checked with a key the server shares with every app. */
export const ACCEPTED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

/**
 * A random URL-safe token.
 * @param {number} [bytes] random bytes (default 32 = 256 bits, 43 characters)
 */
export function randomToken(bytes = 32) {
  return randomBytes(bytes).toString("base64url");
}

/**
 * A fresh PKCE pair (RFC 7636 §4.1: 43 unreserved characters; §4.2: S256).
 * @returns {{ verifier: string, challenge: string, method: "S256" }}
 */
export function pkcePair() {
  const verifier = randomToken(32);
  return { verifier, challenge: s256(verifier), method: "S256" };
}

/** @param {string} verifier */
export function s256(verifier) {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/**
 * Equality of two strings without an early exit on the first differing byte.
 * @param {unknown} a
 * @param {unknown} b
 */
export function safeEqual(a, b) {
  if (typeof a !== "string" || typeof b !== "string") return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The URL that starts a hosted login.
 * @param {{ authorizationEndpoint: string, clientId: string, redirectUri: string, state: string, codeChallenge: string, scope?: string }} p
 */
export function authorizeUrl(p) {
  const url = new URL(p.authorizationEndpoint);
  url.searchParams.set("client_id", p.clientId);
  url.searchParams.set("redirect_uri", p.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", p.scope ?? SCOPE);
  url.searchParams.set("state", p.state);
  url.searchParams.set("code_challenge", p.codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url.toString();
}

/**
 * Checks the authorization response (the redirect back to us) before any code is exchanged.
 * @param {URLSearchParams} query the callback's query string
 * @param {{ state: string | undefined, issuer: string }} expected the state stored in the session, the issuer from discovery
 * @returns {{ ok: true, code: string } | { ok: false, reason: string }}
 */
export function checkCallback(query, expected) {
  // RFC 9207 §2.4: the issuer is checked first, on error responses too (a mix-up attacker can send either).
  const iss = query.get("iss");
  if (iss === null) return { ok: false, reason: "The authorization response has no iss parameter (RFC 9207)." };
  if (iss !== expected.issuer) return { ok: false, reason: "The authorization response names another issuer." };
  if (!expected.state || !safeEqual(query.get("state"), expected.state))
    return { ok: false, reason: "The state does not match this browser's login (start again)." };
  const error = query.get("error");
  if (error !== null) {
    const description = query.get("error_description");
    return { ok: false, reason: description ? `${error}: ${description}` : error };
  }
  const code = query.get("code");
  if (!code) return { ok: false, reason: "The authorization response has no code." };
  return { ok: true, code };
}

/**
 * A JWKS that jose fetches on first use and again when a token names a `kid` it has not seen (key rotation).
 * @param {string} url
 */
export function remoteJwks(url) {
  return createRemoteJWKSet(new URL(url));
}

/**
 * Verifies an access token: asymmetric signature by `kid` from the JWKS, issuer, audience, expiry.
 * @param {string} token
 * @param {{ jwks: import("jose").JWTVerifyGetKey, issuer: string, audience: string }} opts
 * @returns {Promise<{ payload: import("jose").JWTPayload, header: import("jose").JWTHeaderParameters }>}
 */
export async function verifyAccessToken(token, opts) {
  /** @type {import("jose").JWTVerifyGetKey} */
  const byKid = (header, jws) => {
    // Without a kid a verifier must guess among the published keys; FusionAuth's clients (jwks-rsa) refuse that too.
    if (!header.kid) throw new Error("The access token has no kid header.");
    return opts.jwks(header, jws);
  };
  const { payload, protectedHeader } = await jwtVerify(token, byKid, {
    issuer: opts.issuer,
    audience: opts.audience,
    algorithms: ACCEPTED_ALGORITHMS,
  });
  if (typeof payload.sub !== "string" || payload.sub === "") throw new Error("The access token has no sub claim.");
  return { payload, header: protectedHeader };
}
