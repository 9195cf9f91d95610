/**
 * Identifiers: FusionAuth-style two-factor method ids and opaque random tokens.
 *
 * Owns: id alphabets and lengths. Must never: read the RNG itself (a RandomBytes is injected) or
 * derive ids from user data. Method ids are short and public (they name a factor in API responses)
 * and are not secrets; anything that authorises must come from randomToken (≥ 128 bits).
 */
import { drawRandomBytes, type RandomBytes } from "./crypto.ts";
import { base64UrlEncode } from "./encoding.ts";

/** 32 symbols without I/O/0/1, so `byte & 31` is unbiased. */
const METHOD_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/** FusionAuth method ids are four characters (e.g. "2KSZ"). */
const METHOD_ID_LENGTH = 4;
const METHOD_ID_SPACE = METHOD_ID_ALPHABET.length ** METHOD_ID_LENGTH;
const MAX_METHOD_ID_DRAWS = 1000;
/** ASVS 5.0 7.2.3 / 11.5.1: session-like tokens need ≥ 128 bits from a CSPRNG. */
const MIN_TOKEN_BYTES = 16;

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

/** `bytes` random bytes as unpadded base64url (RFC 4648 §5); at least 16 bytes (128 bits). */
export function randomToken(random: RandomBytes, bytes = 32): string {
  if (!Number.isSafeInteger(bytes) || bytes < MIN_TOKEN_BYTES)
    throw new RangeError(`randomToken: at least ${MIN_TOKEN_BYTES} bytes`);
  return base64UrlEncode(drawRandomBytes(random, bytes));
}
