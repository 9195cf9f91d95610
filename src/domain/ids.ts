/**
 * Identifiers: FusionAuth-style two-factor method ids.
 *
 * Owns: id alphabets and lengths. Must never: read the RNG itself (a RandomBytes is injected) or
 * derive ids from user data. Method ids are short and public (they name a factor in API responses)
 * and are not secrets; anything that authorises needs ≥ 128 bits from a CSPRNG instead (OWASP ASVS 5.0 7.2.3).
 */
import { drawRandomBytes, type RandomBytes } from "./crypto.ts";

/** 32 symbols without I/O/0/1, so `byte & 31` is unbiased. */
const METHOD_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/** FusionAuth method ids are four characters (e.g. "2KSZ"). */
const METHOD_ID_LENGTH = 4;
const METHOD_ID_SPACE = METHOD_ID_ALPHABET.length ** METHOD_ID_LENGTH;
const MAX_METHOD_ID_DRAWS = 1000;

/** A 4-character method id not present in `existing` (the user's current method ids). */
export function generateMethodId(random: RandomBytes, existing: Set<string>): string {
  if (existing.size >= METHOD_ID_SPACE) throw new RangeError("generateMethodId: id space exhausted");
  for (let draw = 0; draw < MAX_METHOD_ID_DRAWS; draw++) {
    let id = "";
    for (const byte of drawRandomBytes(random, METHOD_ID_LENGTH)) id += METHOD_ID_ALPHABET[byte & 31];
    if (!existing.has(id)) return id;
  }
  throw new Error("generateMethodId: RandomBytes keeps returning taken ids");
}
