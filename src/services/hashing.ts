/**
 * Keyed hashes of high-entropy or short-lived secrets (API keys, recovery codes, one-time codes):
 * HMAC-SHA-256 under the server pepper, hex encoded, with a purpose label so a hash of one kind
 * can never stand in for another. Brute force of the short codes is bounded by the UserGuard
 * attempt counters, not by hash cost (NIST SP 800-63B §5.1.2.2, §5.2.2).
 */
import { hmacSHA256 } from "../domain/crypto.ts";
import { hexEncode, utf8 } from "../domain/encoding.ts";

export type HashPurpose =
  | "api-key"
  | "recovery-code"
  | "otp"
  | "send-bucket"
  | "device"
  | "unknown-login"
  | "client-secret";

export async function keyedHash(pepper: Uint8Array, purpose: HashPurpose, ...parts: string[]): Promise<string> {
  return hexEncode(await hmacSHA256(pepper, utf8([purpose, ...parts].join("\u001f"))));
}
