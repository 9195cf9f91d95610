/**
 * Numeric one-time codes for out-of-band factors (email, SMS).
 *
 * Owns: turning random bytes into a uniformly distributed decimal code. Must never: read the RNG
 * itself (a RandomBytes is injected), use `%` on an unreduced range (modulo bias), or store, log or
 * compare codes (services keep only a peppered hash; NIST SP 800-63B §5.1.3.2, ASVS 4.0.3 2.7.5).
 */
import { drawRandomBytes, type RandomBytes } from "./crypto.ts";

/** NIST SP 800-63B §5.1.3.2 / ASVS 5.0 6.5.4: ≥ 20 bits, "6 random digits" being the usual floor. */
const MIN_DIGITS = 6;
/** 10^9 < 2^32, so up to 9 digits fit one uint32 draw. */
const MAX_DIGITS = 9;
const UINT32_RANGE = 2 ** 32;
/** A draw is rejected with probability ≈ 2^-12 for 6 digits, ≈ 0.07 for 9; 64 misses means a broken source. */
const MAX_DRAWS = 64;

/**
 * A uniformly random `digits`-digit code, left-padded with zeros, from an approved RBG (NIST SP
 * 800-63B §5.1.3.2). Rejection sampling: a uint32 at or above the largest multiple of 10^digits is
 * redrawn, so every code has probability exactly 10^-digits.
 */
export function generateNumericCode(random: RandomBytes, digits = 6): string {
  if (!Number.isInteger(digits) || digits < MIN_DIGITS || digits > MAX_DIGITS) {
    throw new RangeError(`generateNumericCode: digits must be ${MIN_DIGITS}..${MAX_DIGITS}`);
  }
  const modulus = 10 ** digits;
  const limit = UINT32_RANGE - (UINT32_RANGE % modulus);
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const bytes = drawRandomBytes(random, 4);
    const value = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
    if (value < limit) return (value % modulus).toString().padStart(digits, "0");
  }
  throw new Error("generateNumericCode: RandomBytes keeps returning values in the rejected range");
}
