/**
 * WebAuthn ceremony challenges at rest, for the two objects that hold them: the user's UserGuard
 * (a user was named when the ceremony started) and a PasskeyChallenge of its own (discoverable
 * login, no user yet).
 *
 * A ceremony is stored under the SHA-256 of its challenge, bound to its ceremony type, tenant and
 * user, and lives at most MAX_WEBAUTHN_CHALLENGE_TTL_SECONDS. `takeCeremony` reads and deletes in
 * one synchronous step, so it is consumed BEFORE its response is verified: a second submission of
 * the same challenge finds nothing, whether the first one verified or not.
 */
import { DurableObject } from "cloudflare:workers";
import type { CeremonyRecord } from "./user-guard-types.ts";

const PREFIX = "wc:";

type Kv = DurableObjectStorage["kv"];

export type CeremonyExpectation = { ceremony: CeremonyRecord["ceremony"]; tenantId: string | null };

/** Stores a ceremony (dropping expired ones first, so a user's object never accumulates them). */
export function storeCeremony(kv: Kv, challengeHash: string, record: CeremonyRecord, now: number): void {
  for (const [key, value] of kv.list<CeremonyRecord>({ prefix: PREFIX })) if (value.expiresAt <= now) kv.delete(key);
  kv.put(PREFIX + challengeHash, record);
}

/** Reads and deletes a ceremony; null when absent, expired, or bound to another ceremony type or tenant. */
export function takeCeremony(kv: Kv, challengeHash: string, expect: CeremonyExpectation, now: number): CeremonyRecord | null {
  const key = PREFIX + challengeHash;
  const record = kv.get(key) as CeremonyRecord | undefined;
  if (!record) return null;
  kv.delete(key);
  if (record.expiresAt <= now || record.ceremony !== expect.ceremony) return null;
  if (expect.tenantId !== null && record.tenantId !== expect.tenantId) return null;
  return record;
}

/**
 * PasskeyChallenge: one object per discoverable-login challenge (`idFromName(sha256(challenge))`).
 * It holds one ceremony and an alarm that erases it at expiry; never an isolate Map or KV, which
 * could not consume atomically.
 */
export class PasskeyChallenge extends DurableObject<Env> {
  async put(challengeHash: string, record: CeremonyRecord, now: number): Promise<void> {
    storeCeremony(this.ctx.storage.kv, challengeHash, record, now);
    await this.ctx.storage.setAlarm(record.expiresAt * 1000);
  }

  async take(challengeHash: string, expect: CeremonyExpectation, now: number): Promise<CeremonyRecord | null> {
    return takeCeremony(this.ctx.storage.kv, challengeHash, expect, now);
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
