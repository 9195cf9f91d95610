/**
 * Passkeys inside the UserGuard: ceremonies of the user (./ceremonies.ts holds them), the outcome
 * of a passkey login, and a passkey answering a challenge as its second factor. The signature
 * checks run in the worker; only the single-use and lock decisions are made here.
 */
import type { EventInfo } from "../../domain/events.ts";
import { storeCeremony, takeCeremony, type CeremonyExpectation } from "./ceremonies.ts";
import { findChallenge, recoveryHeld } from "./challenge-store.ts";
import { failChallenge } from "./challenge-flow.ts";
import { queueEvent, type EventContext } from "./guard-events.ts";
import { countSuccess, lockedNow } from "./lock.ts";
import type {
  AssertionVerdict,
  BeginCeremonyVerdict,
  CeremonyRecord,
  LockVerdict,
  TakeCeremonyVerdict,
  TakeChallengeCeremonyVerdict,
} from "./user-guard-types.ts";

type Kv = SyncKvStorage;

/** Stores a ceremony challenge for this user; an authentication ceremony is refused while locked. */
export function putCeremony(kv: Kv, challengeHash: string, record: CeremonyRecord, now: number): LockVerdict {
  const locked = record.ceremony === "registration" ? null : lockedNow(kv, now);
  if (locked) return locked;
  storeCeremony(kv, challengeHash, record, now);
  return { status: "ok" };
}

/** Takes (deletes) a ceremony before its response is verified, so it is single use whatever the outcome. */
export function takeUserCeremony(
  kv: Kv,
  challengeHash: string,
  expect: CeremonyExpectation,
  now: number,
): TakeCeremonyVerdict {
  const record = takeCeremony(kv, challengeHash, expect, now);
  if (record === "in_flight") return { status: "in_flight" };
  const locked = expect.ceremony === "registration" ? null : lockedNow(kv, now);
  if (locked) return locked;
  return record ? { status: "ceremony", record } : { status: "not_found" };
}

export type AssertionOutcome = {
  ok: boolean;
  now: number;
  ev?: EventContext;
  /** Why a failed assertion failed (the event's reason detail). */
  reason?: string;
};

/**
 * Outcome of a passkey assertion outside a challenge (/api/webauthn/login, /assert). A failure
 * does NOT count toward the guessing lock: a signature cannot be guessed (NIST SP 800-63B §5.2.2
 * bounds guessable authenticators), and counting let anyone who knows a credential id lock the
 * account. It raises `user.login.failed` with the reason instead; the worker throttles how often.
 */
export function settleAssertion(kv: Kv, a: AssertionOutcome): AssertionVerdict {
  const locked = lockedNow(kv, a.now);
  if (locked) return locked;
  if (a.ok) {
    countSuccess(kv);
    return { status: "ok" };
  }
  if (a.ev)
    queueEvent(
      kv,
      a.ev,
      {
        type: "user.login.failed",
        authenticationType: "WEBAUTHN",
        reason: { code: "credentials", detail: a.reason ?? "unverified" },
      },
      a.now,
    );
  return { status: "invalid" };
}

export type ChallengeCeremonyInput = {
  nonce: string;
  challengeHash: string;
  now: number;
  expectTenantId: string | null;
  info?: EventInfo;
};

/** Second factor: starts a passkey ceremony for a live challenge; answers its passkeys and relying party. */
export async function beginChallengeCeremony(kv: Kv, input: ChallengeCeremonyInput): Promise<BeginCeremonyVerdict> {
  const { now } = input;
  const found = await findChallenge(kv, input.nonce, now, input.expectTenantId);
  const { webauthn, passkeys } = found?.record ?? {};
  if (!found || !webauthn || !passkeys?.length) return { status: "not_found" };
  const { key, record } = found;
  const locked = lockedNow(kv, now);
  if (locked) return locked;
  storeCeremony(
    kv,
    input.challengeHash,
    {
      ceremony: "second_factor",
      tenantId: record.tenantId,
      userId: record.userId,
      workflow: "secondFactor",
      userVerification: webauthn.userVerification,
      allowCredentialIds: passkeys.map((p) => p.credentialId),
      applicationId: record.applicationId,
      state: null,
      expiresAt: Math.min(record.expiresAt, now + webauthn.ttlSeconds),
      challengeKey: key,
    },
    now,
  );
  return { status: "passkey_options", passkeys, webauthn };
}

/** Second factor, first half: takes the ceremony; a replayed or unknown one is a wrong answer (counted). */
export async function takeChallengeCeremony(
  kv: Kv,
  input: ChallengeCeremonyInput,
): Promise<TakeChallengeCeremonyVerdict> {
  const { now } = input;
  const found = await findChallenge(kv, input.nonce, now, input.expectTenantId);
  if (!found) return { status: "not_found" };
  const { key, record } = found;
  if (recoveryHeld(record, now)) return { status: "invalid" };
  const ceremony = takeCeremony(kv, input.challengeHash, { ceremony: "second_factor", tenantId: record.tenantId }, now);
  const locked = lockedNow(kv, now);
  if (locked) return locked;
  // A copy racing the first submission: refused, not counted (./ceremonies.ts).
  if (ceremony === "in_flight") return { status: "invalid" };
  if (!ceremony || ceremony.challengeKey !== key)
    return failChallenge(kv, key, record, { now, info: input.info ?? {}, factor: "webauthn" });
  return { status: "check_passkey", challenge: record, ceremony };
}
