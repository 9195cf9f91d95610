/**
 * HOTP, the HMAC-based one-time password of RFC 4226, which TOTP (RFC 6238) builds on.
 *
 * Owns: counter encoding, dynamic truncation and digit formatting. Must never: read the clock or
 * the RNG, compare codes (callers use constantTimeEqual), or accept a counter outside 0..2^64-1.
 * The imported HMAC key is cached per (key bytes, hash) by domain/crypto.ts, because a TOTP
 * verification computes three neighbouring steps with the same key.
 */
import { hmac, type HashName } from "./crypto.ts";

export type HOTPHash = HashName;

/** RFC 4226 §5.3 R4: at least 6 digits; a 31-bit truncated value has at most 10. */
const MIN_DIGITS = 6;
const MAX_DIGITS = 10;
const MAX_COUNTER = (1n << 64n) - 1n;

/** RFC 4226 §5.1: C is an 8-byte counter, big-endian (beyond 2^32 for RFC 6238 §4.2 times). */
function counterBytes(counter: bigint | number): Uint8Array {
  if (typeof counter === "number" && !Number.isSafeInteger(counter))
    throw new RangeError("HOTP counter must be an integer");
  const c = BigInt(counter);
  if (c < 0n || c > MAX_COUNTER) throw new RangeError("HOTP counter must be in 0..2^64-1");
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, c, false);
  return bytes;
}

/** RFC 4226 §5.3–5.4: offset = low nibble of the last byte; 4 bytes from there, top bit masked. */
function dynamicTruncate(hs: Uint8Array): number {
  const offset = hs[hs.length - 1]! & 0x0f;
  return ((hs[offset]! & 0x7f) << 24) | (hs[offset + 1]! << 16) | (hs[offset + 2]! << 8) | hs[offset + 3]!;
}

/**
 * RFC 4226 §5.3: HOTP(K, C) = Truncate(HMAC(K, C)) mod 10^digits, left-padded with zeros.
 * `hash` other than SHA-1 is the RFC 6238 §1.2 extension (Appendix B uses SHA-256 and SHA-512).
 */
export async function generateHOTP(
  key: Uint8Array,
  counter: bigint | number,
  digits = 6,
  hash: HOTPHash = "SHA-1",
): Promise<string> {
  if (!Number.isInteger(digits) || digits < MIN_DIGITS || digits > MAX_DIGITS) {
    throw new RangeError(`HOTP digits must be ${MIN_DIGITS}..${MAX_DIGITS}`);
  }
  const hs = await hmac(hash, key, counterBytes(counter));
  return (dynamicTruncate(hs) % 10 ** digits).toString().padStart(digits, "0");
}
