/**
 * Recovery codes (NIST SP 800-63B "look-up secrets", §5.1.2): generation and canonical form.
 *
 * Owns: the alphabet, the `XXXXX-XXXXX` format and normalisation of user input. Must never: read
 * the RNG itself (a RandomBytes is injected), store or compare codes (services hash them: 50 bits
 * is below NIST's 112-bit line, so storage needs a salted password hash or a peppered HMAC behind
 * the attempt counter — NIST SP 800-63B §5.1.2.2, §5.2.2), or log them.
 */
import { drawRandomBytes, type RandomBytes } from "./crypto.ts";

/** 32 symbols, no 0/O or 1/I look-alikes; 32 divides 256, so `byte & 31` is unbiased. */
export const RECOVERY_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/** Codes issued per set (FusionAuth issues ten). */
export const RECOVERY_CODE_COUNT = 10;
/** Symbols per code, shown as two groups of five. */
export const RECOVERY_CODE_LENGTH = 10;
/**
 * log2(32) · 10 = 50 bits: above NIST SP 800-63B §5.1.2.1's 20-bit floor. Still < 64 bits, so
 * attempts must be rate limited (NIST SP 800-63B §5.1.2.2, §5.2.2).
 */
export const RECOVERY_CODE_ENTROPY_BITS = Math.log2(RECOVERY_CODE_ALPHABET.length) * RECOVERY_CODE_LENGTH;

const GROUP_LENGTH = RECOVERY_CODE_LENGTH / 2;
/** Longest input worth normalising (surrounding whitespace included); anything longer is not a code. */
const MAX_INPUT_LENGTH = 64;

function formatCode(symbols: string): string {
  return `${symbols.slice(0, GROUP_LENGTH)}-${symbols.slice(GROUP_LENGTH)}`;
}

/** One code: each symbol from 5 uniformly random bits (the low 5 bits of one random byte). */
function generateRecoveryCode(random: RandomBytes): string {
  let symbols = "";
  for (const byte of drawRandomBytes(random, RECOVERY_CODE_LENGTH)) symbols += RECOVERY_CODE_ALPHABET[byte & 31];
  return formatCode(symbols);
}

/**
 * A fresh set of `count` distinct codes in canonical `XXXXX-XXXXX` form, from an approved RBG
 * (NIST SP 800-63B §5.1.2.1). Duplicates (probability ≈ count²/2^51) are redrawn; a RandomBytes that
 * keeps repeating itself is a bug and throws rather than looping forever.
 */
export function generateRecoveryCodes(random: RandomBytes, count = RECOVERY_CODE_COUNT): string[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > 1000)
    throw new RangeError("generateRecoveryCodes: count must be 1..1000");
  const codes = new Set<string>();
  for (let draws = 0; codes.size < count; draws++) {
    if (draws >= count * 4) throw new Error("generateRecoveryCodes: RandomBytes keeps repeating values");
    codes.add(generateRecoveryCode(random));
  }
  return [...codes];
}

/**
 * Canonical form of user input, or null if it cannot be a code. Accepts surrounding whitespace,
 * lower case and at most one `-` or space between the two groups. Characters outside the alphabet,
 * including the excluded look-alikes 0, O, 1 and I, are rejected rather than mapped: guessing what
 * the user meant would only add codes an attacker can hit. Non-ASCII is rejected before
 * upper-casing, because Unicode case mapping turns "ſ" into "S".
 */
export function normalizeRecoveryCode(input: string): string | null {
  if (input.length > MAX_INPUT_LENGTH) return null;
  const trimmed = input.trim();
  if (!/^[\x21-\x7e ]*$/.test(trimmed)) return null;
  let compact = trimmed.toUpperCase();
  if (compact.length === RECOVERY_CODE_LENGTH + 1 && (compact[GROUP_LENGTH] === "-" || compact[GROUP_LENGTH] === " ")) {
    compact = compact.slice(0, GROUP_LENGTH) + compact.slice(GROUP_LENGTH + 1);
  }
  if (compact.length !== RECOVERY_CODE_LENGTH) return null;
  for (const ch of compact) if (!RECOVERY_CODE_ALPHABET.includes(ch)) return null;
  return formatCode(compact);
}

/** Whether input has the shape of a recovery code (used to route a submitted code to this factor). */
export function looksLikeRecoveryCode(input: string): boolean {
  return normalizeRecoveryCode(input) !== null;
}
