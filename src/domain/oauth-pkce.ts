/**
 * PKCE (RFC 7636) and the id_token hash claims (OIDC Core §3.1.3.6 `at_hash`, §3.3.2.11 `c_hash`).
 */
import { constantTimeEqual, sha256 } from "./crypto.ts";
import { base64UrlEncode, utf8 } from "./encoding.ts";

/** RFC 7636 §4.1: 43–128 characters of ALPHA / DIGIT / "-" / "." / "_" / "~". */
export function isValidCodeVerifier(v: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(v);
}

/** RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time. */
export async function verifyS256(verifier: string, challenge: string): Promise<boolean> {
  const computed = base64UrlEncode(await sha256(utf8(verifier)));
  return constantTimeEqual(utf8(computed), utf8(challenge));
}

/**
 * The `at_hash` / `c_hash` of a value: base64url of the left-most half of its hash under the hash of
 * the id_token's `alg` (SHA-256 for RS256, ES256 and HS256, the algorithms edge-mfa signs with).
 */
export async function halfHash(value: string): Promise<string> {
  const digest = await sha256(utf8(value));
  return base64UrlEncode(digest.subarray(0, digest.length / 2));
}
