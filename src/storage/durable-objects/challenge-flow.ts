/**
 * Challenge decisions inside the UserGuard: start one (unless locked or a trust covers the login),
 * answer it with a code (./answers.ts), settle an answer the worker judged (recovery code, passkey),
 * complete it (events, trust, login history) or count a wrong answer. Plain functions over the
 * object's storage; each runs its writes without awaiting, so the input gate serialises callers.
 */
import { constantTimeEqual, randomBytes, type EncryptionKeyring } from "../../domain/crypto.ts";
import { utf8 } from "../../domain/encoding.ts";
import type { EventInfo } from "../../domain/events.ts";
import { MAX_ATTEMPTS_PER_CHALLENGE } from "../../domain/lockout.ts";
import { assessRisk, riskDemandsChallenge } from "../../domain/risk.ts";
import { guardSideOf } from "../../factors/registry.ts";
import { judgeAnswer } from "./answers.ts";
import {
  challengeCodeLive,
  challengeContext,
  challengeFactor,
  challengeKey,
  findChallenge,
  liveChallenge,
  recoveryHeld,
  noteChallengeExpiry,
  sweepChallenges,
} from "./challenge-store.ts";
import { loginHistory, queueEvent, recordLogin } from "./guard-events.ts";
import { LAST_METHOD_KEY } from "./keys.ts";
import { countFailure, countSuccess, lockedNow } from "./lock.ts";
import { findTotpMatch, sweepRetiredSteps } from "./totp-replay.ts";
import { proofEpoch as readProofEpoch } from "./step-up-proofs.ts";
import { findTrust, newTrustId, storeTrust, trustCovers, type NewTrust } from "./trusts.ts";
import { mintTwoFactorId } from "./user-guard-ids.ts";
import type {
  ChallengeInit,
  ChallengeRecord,
  ChallengeVerdict,
  Completed,
  CompletedMethod,
  FailureVerdict,
  LoginContext,
  SettleVerdict,
  StartVerdict,
  TrustQuery,
  VerifyChallengeInput,
} from "./user-guard-types.ts";

type Kv = SyncKvStorage;

const NONCE_BYTES = 32;
/** How long a challenge waits for the D1 consumption of a recovery code submitted to it (a crashed worker frees it then). */
const RECOVERY_HOLD_SECONDS = 10;

export type StartChallengeInput = {
  init: ChallengeInit;
  now: number;
  /** The presented device trust (login only): a covering one skips the challenge. */
  trust?: TrustQuery;
  /** A login's risk inputs; absent for step-up. */
  login?: LoginContext;
};

/**
 * Starts a challenge unless the account is locked or (login only) a valid trust covers it.
 * Returns the new twoFactorId: base64url(DO id ‖ 32 random bytes); only a SHA-256 of the nonce is kept.
 */
export async function startChallenge(kv: Kv, doId: string, input: StartChallengeInput): Promise<StartVerdict> {
  const { init, now, trust, login } = input;
  const nonce = randomBytes(NONCE_BYTES);
  const key = await challengeKey(nonce);
  const trustRecord = trust ? await findTrust(kv, trust.trustId, now) : null;
  // Commit phase.
  const locked = lockedNow(kv, now);
  if (locked) return locked;
  const risk = login ? assessRisk(loginHistory(kv), login.signals, now) : null;
  // A risk policy at its level challenges even a trusted device (FusionAuth's ChallengeOn…Risk).
  const demanded = Boolean(risk && login?.riskPolicy && riskDemandsChallenge(login.riskPolicy, risk.level));
  if (trust && !demanded && trustCovers(trustRecord, trust)) {
    if (login && risk) recordLogin(kv, login.ev, login.signals, risk, now, login.authenticationType, false);
    return { status: "trusted" };
  }
  sweepChallenges(kv, now);
  sweepRetiredSteps(kv, now);
  const suspicious = Boolean(login && risk && (demanded || risk.level === "high"));
  if (login && risk && suspicious) {
    queueEvent(
      kv,
      login.ev,
      { type: "user.login.suspicious", authenticationType: login.authenticationType, threatsDetected: risk.threats },
      now,
      { kind: "suspicious_login" },
    );
  }
  const record: ChallengeRecord = {
    ...init,
    expiresAt: now + init.ttlSeconds,
    attempts: 0,
    ...(login && risk
      ? { login: { signals: login.signals, risk, alerted: suspicious, authenticationType: login.authenticationType } }
      : {}),
  };
  kv.put(key, record);
  noteChallengeExpiry(kv, record.expiresAt);
  return { status: "challenge", twoFactorId: mintTwoFactorId(doId, nonce) };
}

/**
 * Completes a challenge with a code: its one-time code, or a TOTP code of any authenticator method
 * in it (not replayed). A code shaped like a recovery code is not judged here: `check_recovery`
 * holds the challenge for it and asks the caller to consume it in D1 and then settle (so a consumed
 * code is never answered 404). While held, other answers are refused uncounted.
 */
export async function verifyChallenge(
  kv: Kv,
  keyring: EncryptionKeyring,
  input: VerifyChallengeInput,
): Promise<ChallengeVerdict> {
  const { now } = input;
  const found = await findChallenge(kv, input.nonce, now, input.expectTenantId);
  if (!found) return { status: "not_found" };
  const { key, record: seen } = found;
  const owner = `${seen.tenantId}:${seen.userId}`;
  const totp = await findTotpMatch(kv, keyring, seen.totp, input.code, now, owner);
  const trust = input.trustComputer ? await newTrustId() : null;
  // Commit phase: synchronous from here on, so no other call can interleave between check and write.
  const record = liveChallenge(kv, key, now, null);
  if (!record) return { status: "not_found" };
  const locked = lockedNow(kv, now);
  if (locked) return locked;
  if (recoveryHeld(record, now)) return { status: "invalid" };
  const info = input.info ?? {};
  const codeMatches =
    !!record.codeHash &&
    challengeCodeLive(record, now) &&
    constantTimeEqual(utf8(input.codeHash), utf8(record.codeHash));
  const answer = judgeAnswer(kv, {
    code: input.code,
    oneTimeCode: codeMatches ? "match" : "miss",
    totp,
    recoveryAllowed: record.recoveryAvailable,
  });
  switch (answer.kind) {
    case "code":
      return complete(kv, key, record, codeMethod(record), trust, now, info);
    case "authenticator":
      return complete(kv, key, record, { kind: "authenticator", methodId: answer.match.methodId }, trust, now, info);
    case "recovery":
      kv.put(key, { ...record, recoveryHoldUntil: now + RECOVERY_HOLD_SECONDS } satisfies ChallengeRecord);
      return { status: "check_recovery", tenantId: record.tenantId, userId: record.userId };
    default: {
      const replay = answer.kind === "wrong" ? answer.replay : undefined;
      return failChallenge(kv, key, record, {
        now,
        info,
        factor: replay ? "authenticator" : challengeFactor(record),
        reason: replay,
      });
    }
  }
}

function codeMethod(record: ChallengeRecord): CompletedMethod {
  return record.codeMethodId ? { kind: "code", methodId: record.codeMethodId } : { kind: "code" };
}

export type SettleInput = {
  nonce: string;
  /** Whether the worker's check passed (D1 consumed an unused recovery code; the passkey assertion verified). */
  ok: boolean;
  method: CompletedMethod;
  trustComputer: boolean;
  now: number;
  info?: EventInfo;
};

/** Completes a challenge whose answer was judged outside the object (recovery code, passkey), or counts a failure. */
export async function settleChallenge(kv: Kv, input: SettleInput): Promise<SettleVerdict> {
  const { now, method } = input;
  const info = input.info ?? {};
  const key = await challengeKey(input.nonce);
  const trust = input.trustComputer ? await newTrustId() : null;
  const held = kv.get(key) as ChallengeRecord | undefined;
  if (!held || (held.expiresAt <= now && !recoveryHeld(held, now))) return { status: "not_found" };
  const locked = lockedNow(kv, now);
  if (locked) return locked;
  // Only the recovery check that holds the challenge may settle it meanwhile; it releases the hold.
  if (method.kind !== "recovery" && recoveryHeld(held, now)) return { status: "invalid" };
  const { recoveryHoldUntil: _released, ...record } = held;
  if (input.ok) return complete(kv, key, record, method, trust, now, info);
  return failChallenge(kv, key, record, {
    now,
    info,
    factor: guardSideOf(method.kind)?.eventFactor ?? method.kind,
  });
}

function complete(
  kv: Kv,
  key: string,
  record: ChallengeRecord,
  completed: CompletedMethod,
  newTrust: NewTrust | null,
  now: number,
  info: EventInfo,
): Completed {
  kv.delete(key);
  countSuccess(kv);
  const method = completed.methodId
    ? { ...completed, lastUsedChanged: markLastUsed(kv, completed.methodId) }
    : completed;
  const ev = challengeContext(record, info);
  queueEvent(
    kv,
    ev,
    { type: "user.two-factor.success", method: completed.kind === "code" ? "code" : completed.kind },
    now,
  );
  // The factor's own use event (recovery code: `user.two-factor.recovery-code.used` and its alert).
  const used = guardSideOf(completed.kind)?.used;
  if (used) queueEvent(kv, ev, used.event, now, used.alert);
  if (record.purpose === "login" && record.login) {
    const { signals, risk, alerted, authenticationType } = record.login;
    recordLogin(kv, ev, signals, risk, now, authenticationType, alerted);
  } else if (record.purpose === "login") {
    queueEvent(kv, ev, { type: "user.login.success", authenticationType: "PASSWORD" }, now);
  }
  const proofEpoch = readProofEpoch(kv);
  if (!newTrust) return { status: "completed", challenge: record, method, proofEpoch };
  const expiration = storeTrust(kv, newTrust, record.applicationId, now, record.token.trustTtlSeconds, info);
  return {
    status: "completed",
    challenge: record,
    method,
    trust: { trustId: newTrust.trustId, expiration },
    proofEpoch,
  };
}

/**
 * Remembers the method of the latest completion that named one. False when it was already the
 * previous one: its D1 `last_used_at` is then already the newest of the user's methods, so the
 * caller can skip rewriting it (`lastUsed` marks the same method either way).
 */
function markLastUsed(kv: Kv, methodId: string): boolean {
  if (kv.get(LAST_METHOD_KEY) === methodId) return false;
  kv.put(LAST_METHOD_KEY, methodId);
  return true;
}

/** A removed method's id may be drawn again: its first use must then be written. */
export function forgetLastUsed(kv: Kv, methodIds: string[]): void {
  if (methodIds.includes(kv.get(LAST_METHOD_KEY) as string)) kv.delete(LAST_METHOD_KEY);
}

/** A wrong answer to a challenge: counted toward the lock; the challenge dies after MAX_ATTEMPTS_PER_CHALLENGE. */
export function failChallenge(
  kv: Kv,
  key: string,
  record: ChallengeRecord,
  why: { now: number; info: EventInfo; factor: string; reason?: string | undefined },
): FailureVerdict {
  const verdict = countFailure(kv, record.policy, why.now, {
    ctx: challengeContext(record, why.info),
    kind: "second_factor",
    factor: why.factor,
    reason: why.reason,
  });
  if (verdict.status === "locked") return verdict;
  const attempts = record.attempts + 1;
  if (attempts >= MAX_ATTEMPTS_PER_CHALLENGE) kv.delete(key);
  else kv.put(key, { ...record, attempts });
  return verdict;
}

/**
 * Adds a one-time code to a live challenge (Required-policy enrolment: enabling the first method
 * with a twoFactorId returns a code that completes that challenge). Refused (false) unless the
 * challenge is a login of a user who had no usable second factor when it started: a step-up, or a
 * login of a user with a method, must be answered with that method (NIST SP 800-63B §6.1.2.1).
 */
export async function addChallengeCode(kv: Kv, nonce: string, codeHash: string, now: number): Promise<boolean> {
  const key = await challengeKey(nonce);
  const record = liveChallenge(kv, key, now, null);
  if (record?.purpose !== "login" || record.enrolment !== true) return false;
  kv.put(key, { ...record, codeHash, codeExpiresAt: null, codeMethodId: null });
  return true;
}
