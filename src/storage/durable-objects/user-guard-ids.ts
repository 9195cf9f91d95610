/**
 * Identifiers and storage keys the UserGuard mints and parses: twoFactorIds (DO id ‖ nonce), device
 * trust ids (stored under SHA-256), and the AES-GCM associated data of TOTP secrets. Pure helpers,
 * split from the Durable Object class so the class holds only decisions and storage.
 */
import { base64UrlDecode, base64UrlEncode, hexDecode, hexEncode } from "../../domain/encoding.ts";
import { randomBytes, sha256 } from "../../domain/crypto.ts";
import { looksLikeRecoveryCode } from "../../domain/recovery-codes.ts";
import type { TrustQuery } from "./user-guard-types.ts";
import type { EventInfo } from "../../domain/events.ts";

/** A device trust at rest. The device facts are for the user's list of trusted devices, never for decisions. */
export type TrustRecord = {
  applicationId: string | null;
  startInstant: number;
  expiration: number;
  userAgent?: string;
  ipAddress?: string;
  country?: string;
  city?: string;
};

/** The public name of a trust in lists and revocations: a prefix of its storage hash, never the trust id. */
export function trustRefOf(storageKey: string): string {
  return storageKey.slice(2, 26);
}

/** What a new trust remembers of the device that earned it. */
export function trustDevice(info: EventInfo): Pick<TrustRecord, "userAgent" | "ipAddress" | "country" | "city"> {
  const out: Pick<TrustRecord, "userAgent" | "ipAddress" | "country" | "city"> = {};
  if (info.userAgent) out.userAgent = info.userAgent.slice(0, 256);
  if (info.ipAddress) out.ipAddress = info.ipAddress;
  if (info.location?.country) out.country = info.location.country;
  if (info.location?.city) out.city = info.location.city;
  return out;
}

/** AES-GCM associated data binding a TOTP ciphertext to its owner and method. */
export function totpAad(owner: string, methodId: string): string {
  return `totp:${owner}:${methodId}`;
}

/** base64url without padding of exactly `length` bytes, or null. */
function decodeExact(s: string, length: number): Uint8Array | null {
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

/** Storage key of a presented trust id (32 random bytes, base64url); null when malformed. */
export async function trustStorageKeyOf(trustId: string): Promise<string | null> {
  const raw = decodeExact(trustId, 32);
  return raw ? trustStorageKey(raw) : null;
}

/** Whether a live trust covers a login under the application's trustPolicy (Any | This | None). */
export function trustCovers(rec: TrustRecord | null, q: TrustQuery): boolean {
  if (!rec || q.trustPolicy === "None") return false;
  return q.trustPolicy === "Any" || rec.applicationId === q.applicationId;
}

export type NewTrust = { trustId: string; storageKey: string };

export async function trustStorageKey(raw: Uint8Array): Promise<string> {
  return `t:${hexEncode(await sha256(raw))}`;
}

export async function newTrustId(): Promise<NewTrust> {
  const raw = randomBytes(32);
  return { trustId: base64UrlEncode(raw), storageKey: await trustStorageKey(raw) };
}

/** The recovery-code shape, as the domain defines it (one rule: look-alikes 0, O, 1, I are not codes). */
export const looksLikeRecovery = looksLikeRecoveryCode;

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
