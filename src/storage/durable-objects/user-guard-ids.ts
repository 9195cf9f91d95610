/**
 * Identifiers the UserGuard mints and parses: twoFactorIds (DO id ‖ nonce) and the AES-GCM
 * associated data of TOTP secrets. Pure helpers, importable by the services without the object.
 * Device trust ids live in ./trusts.ts.
 */
import { base64UrlDecode, base64UrlEncode, hexDecode, hexEncode } from "../../domain/encoding.ts";

/** AES-GCM associated data binding a TOTP ciphertext to its owner and method. */
export function totpAad(owner: string, methodId: string): string {
  return `totp:${owner}:${methodId}`;
}

/** base64url without padding of exactly `length` bytes, or null. */
export function decodeExact(s: string, length: number): Uint8Array | null {
  if (s.length !== Math.ceil((length * 4) / 3) || !/^[A-Za-z0-9_-]+$/.test(s)) return null;
  try {
    const bytes = base64UrlDecode(s);
    return bytes.length === length ? bytes : null;
  } catch {
    return null;
  }
}

/** Splits a twoFactorId into the owning DO id (hex) and the nonce; null when malformed. */
export function parseTwoFactorId(twoFactorId: string): { doId: string; nonce: string } | null {
  const bytes = decodeExact(twoFactorId, 64);
  if (!bytes) return null;
  return { doId: hexEncode(bytes.subarray(0, 32)), nonce: base64UrlEncode(bytes.subarray(32)) };
}

export function nonceOf(b64: string): Uint8Array {
  return base64UrlDecode(b64);
}

/** A new twoFactorId for the challenge nonce, naming the Durable Object (hex id) that owns it. */
export function mintTwoFactorId(doIdHex: string, nonce: Uint8Array): string {
  return base64UrlEncode(concat(hexDecode(doIdHex), nonce));
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
