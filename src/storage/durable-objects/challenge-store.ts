/**
 * Challenges at rest inside the UserGuard (`c:<SHA-256 of the nonce>`, ./keys.ts): finding a live
 * one, sweeping, stripping removed methods. No decisions: those are in ./challenge-flow.ts.
 */
import { hexEncode } from "../../domain/encoding.ts";
import { sha256 } from "../../domain/crypto.ts";
import type { EventInfo } from "../../domain/events.ts";
import type { EventContext } from "./guard-events.ts";
import { nonceOf } from "./user-guard-ids.ts";
import { CHALLENGE_PREFIX, CHALLENGE_SWEEP_AT_KEY, SLOT_PREFIX, challengeKeyOf } from "./keys.ts";
import type { ChallengeRecord } from "./user-guard-types.ts";

type Kv = SyncKvStorage;

/** The storage key of a challenge nonce (raw bytes, or base64url as parsed from a twoFactorId). */
export async function challengeKey(nonce: Uint8Array | string): Promise<string> {
  return challengeKeyOf(hexEncode(await sha256(typeof nonce === "string" ? nonceOf(nonce) : nonce)));
}

/** A live challenge, or null (missing, expired, or another tenant's when a tenant is expected). */
export function liveChallenge(kv: Kv, key: string, now: number, expectTenantId: string | null): ChallengeRecord | null {
  const record = kv.get(key) as ChallengeRecord | undefined;
  if (!record || record.expiresAt <= now) return null;
  return expectTenantId && expectTenantId !== record.tenantId ? null : record;
}

/** The live challenge a nonce names and its storage key, or null (see liveChallenge). */
export async function findChallenge(
  kv: Kv,
  nonce: string,
  now: number,
  expectTenantId: string | null,
): Promise<{ key: string; record: ChallengeRecord } | null> {
  const key = await challengeKey(nonce);
  const record = liveChallenge(kv, key, now, expectTenantId);
  return record ? { key, record } : null;
}

/** Is a recovery code of this challenge being consumed in D1 right now (see `recoveryHoldUntil`)? */
export function recoveryHeld(record: ChallengeRecord, now: number): boolean {
  return record.recoveryHoldUntil !== undefined && record.recoveryHoldUntil > now;
}

/** Every open challenge and email/SMS code ends (a lock, a password change). Answers how many challenges ended. */
export function dropChallenges(kv: Kv): number {
  let n = 0;
  for (const [key] of kv.list({ prefix: CHALLENGE_PREFIX })) {
    kv.delete(key);
    n++;
  }
  for (const [key] of kv.list({ prefix: SLOT_PREFIX })) kv.delete(key);
  kv.delete(CHALLENGE_SWEEP_AT_KEY);
  return n;
}

/**
 * Forgets expired challenges, except one whose recovery code is being consumed. Every start sweeps,
 * so the list is skipped until the earliest instant a stored challenge can be swept
 * (`CHALLENGE_SWEEP_AT_KEY`, kept by `noteChallengeExpiry`): a user with many live challenges no
 * longer pays a read of all of them per start (issue 15). The mark is a lower bound (a challenge's
 * expiry never moves earlier once stored), so nothing sweepable is missed; without a mark (state
 * from before it existed) the sweep lists and sets one.
 */
export function sweepChallenges(kv: Kv, now: number): void {
  const due = kv.get(CHALLENGE_SWEEP_AT_KEY) as number | undefined;
  if (due !== undefined && due > now) return;
  let next = Number.POSITIVE_INFINITY;
  for (const [key, value] of kv.list<ChallengeRecord>({ prefix: CHALLENGE_PREFIX })) {
    if (value.expiresAt > now) next = Math.min(next, value.expiresAt);
    else if (recoveryHeld(value, now)) next = Math.min(next, value.recoveryHoldUntil as number);
    else kv.delete(key);
  }
  if (next === Number.POSITIVE_INFINITY) kv.delete(CHALLENGE_SWEEP_AT_KEY);
  else kv.put(CHALLENGE_SWEEP_AT_KEY, next);
}

/** Records a new challenge's expiry in the sweep mark when it is the earliest (a write only then). */
export function noteChallengeExpiry(kv: Kv, expiresAt: number): void {
  const due = kv.get(CHALLENGE_SWEEP_AT_KEY) as number | undefined;
  if (due === undefined || expiresAt < due) kv.put(CHALLENGE_SWEEP_AT_KEY, expiresAt);
}

/** Every open challenge loses the `gone` methods; answers how many changed. */
export function stripMethods(kv: Kv, gone: Set<string>): number {
  let changed = 0;
  for (const [key, record] of kv.list<ChallengeRecord>({ prefix: CHALLENGE_PREFIX })) {
    const stripped = withoutMethods(record, gone);
    if (!stripped) continue;
    kv.put(key, stripped);
    changed++;
  }
  return changed;
}

/** The challenge without the `gone` methods (TOTP keys, email/SMS targets, a code sent through one); null when it had none of them. */
function withoutMethods(record: ChallengeRecord, gone: Set<string>): ChallengeRecord | null {
  const totp = record.totp.filter((c) => !gone.has(c.methodId));
  const oob = record.oob?.filter((t) => !gone.has(t.methodId));
  const codeGone = typeof record.codeMethodId === "string" && gone.has(record.codeMethodId);
  if (totp.length === record.totp.length && oob?.length === record.oob?.length && !codeGone) return null;
  return {
    ...record,
    totp,
    ...(oob ? { oob } : {}),
    ...(codeGone ? { codeHash: null, codeExpiresAt: null, codeMethodId: null } : {}),
  };
}

/** The event context of a challenge: its owner and user JSON, the completing request's info. */
export function challengeContext(record: ChallengeRecord, info: EventInfo): EventContext {
  return {
    tenantId: record.tenantId,
    userId: record.userId,
    info,
    user: record.user,
    applicationId: record.applicationId,
  };
}

/** Which factor a wrong answer to a challenge was most likely for (the event's `method`). */
export function challengeFactor(record: ChallengeRecord): string {
  if (record.codeMethodId) return record.oob?.find((t) => t.methodId === record.codeMethodId)?.channel ?? "code";
  if (record.totp.length) return "authenticator";
  return record.codeHash ? "code" : "unknown";
}

/** Is the challenge's one-time code (start-supplied or sent) still valid? */
export function challengeCodeLive(record: ChallengeRecord, now: number): boolean {
  return record.codeExpiresAt === undefined || record.codeExpiresAt === null || record.codeExpiresAt > now;
}
