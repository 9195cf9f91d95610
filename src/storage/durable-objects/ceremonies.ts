/**
 * WebAuthn ceremony challenges at rest, for the two objects that hold them: the user's UserGuard
 * (a user was named when the ceremony started) and a PasskeyChallenge of its own (discoverable
 * login, no user yet; src/objects/passkey-challenge.ts).
 *
 * A ceremony is stored under the SHA-256 of its challenge, bound to its ceremony type, tenant and
 * user, and lives at most MAX_WEBAUTHN_CHALLENGE_TTL_SECONDS. `takeCeremony` reads and deletes in
 * one synchronous step, so it is consumed BEFORE its response is verified: a second submission of
 * the same challenge finds nothing, whether the first one verified or not.
 *
 * Replays and the lock: a consumed challenge leaves a marker for IN_FLIGHT_SECONDS. A second
 * submission inside that window is racing the first, which is still being verified outside the
 * object: it is refused as `in_flight` WITHOUT counting toward the lock, so a burst of copies
 * cannot lock the account before the genuine answer settles (exactly one success). After the
 * window a resubmission finds nothing and is answered like any wrong answer (counted only when it
 * answers a challenge; see settleAssertion in ./user-guard.ts).
 */
import type { CeremonyRecord } from "./user-guard-types.ts";

import { CEREMONY_PREFIX as PREFIX, CEREMONY_USED_PREFIX as USED } from "./keys.ts";

/** Longer than any verification takes (signature check, one D1 UPDATE); short next to the 180 s ceremony lifetime. */
export const IN_FLIGHT_SECONDS = 30;

type Kv = DurableObjectStorage["kv"];

export type CeremonyExpectation = { ceremony: CeremonyRecord["ceremony"]; tenantId: string | null };

/** Stores a ceremony (dropping expired ones first, so a user's object never accumulates them). */
export function storeCeremony(kv: Kv, challengeHash: string, record: CeremonyRecord, now: number): void {
  for (const [key, value] of kv.list<CeremonyRecord>({ prefix: PREFIX })) if (value.expiresAt <= now) kv.delete(key);
  for (const [key, until] of kv.list<number>({ prefix: USED })) if (until <= now) kv.delete(key);
  kv.put(PREFIX + challengeHash, record);
}

/**
 * Reads and deletes a ceremony; null when absent, expired, or bound to another ceremony type or
 * tenant; `in_flight` when it was taken less than IN_FLIGHT_SECONDS ago (a racing copy).
 */
export function takeCeremony(
  kv: Kv,
  challengeHash: string,
  expect: CeremonyExpectation,
  now: number,
): CeremonyRecord | "in_flight" | null {
  const key = PREFIX + challengeHash;
  const record = kv.get(key) as CeremonyRecord | undefined;
  if (!record) {
    const until = kv.get(USED + challengeHash) as number | undefined;
    return until !== undefined && until > now ? "in_flight" : null;
  }
  kv.delete(key);
  kv.put(USED + challengeHash, now + IN_FLIGHT_SECONDS);
  if (record.expiresAt <= now || record.ceremony !== expect.ceremony) return null;
  if (expect.tenantId !== null && record.tenantId !== expect.tenantId) return null;
  return record;
}
