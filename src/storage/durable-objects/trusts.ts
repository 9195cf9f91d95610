/**
 * Device trusts inside the UserGuard (`t:<SHA-256 of the trust id>`, ./keys.ts): minted when a
 * challenge completes with `trustComputer`, looked up at the next login, listed and revoked by the
 * user. A trust id is 256 random bits, so its SHA-256 needs no key or salt; the id itself is never
 * stored, and lists name a trust by a prefix of that hash (`ref`), never by its id.
 */
import { base64UrlEncode, hexEncode } from "../../domain/encoding.ts";
import { randomBytes, sha256 } from "../../domain/crypto.ts";
import type { EventInfo } from "../../domain/events.ts";
import type { TrustQuery } from "./user-guard-types.ts";
import { decodeExact } from "./user-guard-ids.ts";
import { TRUST_PREFIX, trustKeyOf } from "./keys.ts";

type Kv = SyncKvStorage;

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

export type NewTrust = { trustId: string; storageKey: string };

/** The public name of a trust in lists and revocations: a prefix of its storage hash, never the trust id. */
function trustRefOf(storageKey: string): string {
  return storageKey.slice(TRUST_PREFIX.length, TRUST_PREFIX.length + 24);
}

/** What a new trust remembers of the device that earned it. */
function trustDevice(info: EventInfo): Pick<TrustRecord, "userAgent" | "ipAddress" | "country" | "city"> {
  const out: Pick<TrustRecord, "userAgent" | "ipAddress" | "country" | "city"> = {};
  if (info.userAgent) out.userAgent = info.userAgent.slice(0, 256);
  if (info.ipAddress) out.ipAddress = info.ipAddress;
  if (info.location?.country) out.country = info.location.country;
  if (info.location?.city) out.city = info.location.city;
  return out;
}

async function trustStorageKey(raw: Uint8Array): Promise<string> {
  return trustKeyOf(hexEncode(await sha256(raw)));
}

/** A fresh trust id and its storage key (async phase: hashing; nothing is stored yet). */
export async function newTrustId(): Promise<NewTrust> {
  const raw = randomBytes(32);
  return { trustId: base64UrlEncode(raw), storageKey: await trustStorageKey(raw) };
}

/** Stores a minted trust for the application that earned it; answers its expiration. */
export function storeTrust(
  kv: Kv,
  trust: NewTrust,
  applicationId: string | null,
  now: number,
  ttlSeconds: number,
  info: EventInfo,
): number {
  const record: TrustRecord = { applicationId, startInstant: now, expiration: now + ttlSeconds, ...trustDevice(info) };
  kv.put(trust.storageKey, record);
  return record.expiration;
}

/** The live trust named by `trustId`, or null (unknown, malformed or expired). */
export async function findTrust(kv: Kv, trustId: string | null, now: number): Promise<TrustRecord | null> {
  const raw = trustId ? decodeExact(trustId, 32) : null;
  const rec = raw ? (kv.get(await trustStorageKey(raw)) as TrustRecord | undefined) : undefined;
  return rec && rec.expiration > now ? rec : null;
}

/** Whether a live trust covers a login under the application's trustPolicy (Any | This | None). */
export function trustCovers(rec: TrustRecord | null, q: TrustQuery): boolean {
  if (!rec || q.trustPolicy === "None") return false;
  return q.trustPolicy === "Any" || rec.applicationId === q.applicationId;
}

/** Revokes one trust (by reference) or, with null, all of them; answers how many ended. */
export function revokeTrusts(kv: Kv, ref: string | null): number {
  let n = 0;
  for (const [key] of kv.list({ prefix: TRUST_PREFIX })) {
    if (ref !== null && trustRefOf(key) !== ref) continue;
    kv.delete(key);
    n++;
  }
  return n;
}

/** The user's live device trusts, each named by its reference. */
export function listTrusts(kv: Kv, now: number): Array<TrustRecord & { ref: string }> {
  return [...kv.list<TrustRecord>({ prefix: TRUST_PREFIX })]
    .filter(([, t]) => t.expiration > now)
    .map(([key, t]) => ({ ...t, ref: trustRefOf(key) }));
}
