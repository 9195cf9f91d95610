/**
 * UserGuard: one Durable Object per (tenant, user). It owns every decision that must be atomic for
 * that user: live challenges (twoFactorIds) with expiry and per-challenge attempts, the account's
 * failure counters and lock, the last accepted TOTP step per method (replay), device trusts, and
 * single-use consumption. Every RPC method reads, decides (pure domain functions) and writes without
 * awaiting anything external, so input gates serialise concurrent callers: two parallel correct
 * submissions yield exactly one success.
 *
 * It never returns a secret except the one it just minted (twoFactorId, trust id), and never logs codes.
 * Methods return result values, not exceptions (RPC exceptions lose their stack).
 */
import {
  GuardCore,
  LAST_METHOD_KEY,
  NONCE_BYTES,
  RECOVERY_HOLD_SECONDS,
  STAND_IN_EXPIRES_KEY,
  challengeFactor,
  recoveryHeld,
  withoutMethods,
} from "./user-guard-core.ts";
import { utf8 } from "../../domain/encoding.ts";
import { constantTimeEqual, randomBytes } from "../../domain/crypto.ts";
import {
  isLocked,
  lockActions,
  unlock as unlockState,
  type LockoutPolicy,
  type LockoutState,
} from "../../domain/lockout.ts";
import type {
  CeremonyRecord,
  ChallengeInit,
  ChallengeRecord,
  CompletedMethod,
  GuardVerdict,
  LoginContext,
  TotpCandidate,
  TrustQuery,
  VerifyChallengeInput,
} from "./user-guard-types.ts";
import type { EventInfo } from "../../domain/events.ts";
import { assessRisk, riskDemandsChallenge } from "../../domain/risk.ts";
import { loginHistory, type queueEvent, recordLogin, type EventContext, type OutboxAlert } from "./guard-events.ts";
import { acceptTotpStep, findTotpMatch, replayReason, retireTotpSteps, sweepRetiredSteps } from "./totp-replay.ts";
import { storeCeremony, takeCeremony, type CeremonyExpectation } from "./ceremonies.ts";
import { consumeProof, revokeProofs } from "./step-up-proofs.ts";
import {
  looksLikeRecovery,
  mintTwoFactorId,
  newTrustId,
  nonceOf,
  trustCovers,
  trustRefOf,
  type TrustRecord,
} from "./user-guard-ids.ts";

export { parseTwoFactorId, totpAad, type TrustRecord } from "./user-guard-ids.ts";
import {
  challengeCodeLive,
  commitChallengeSend,
  commitSlotSend,
  failSlot,
  findTarget,
  liveRecord,
  matchSlot,
  slotKey,
  type OobCheck,
  type SendCommit,
  type SendVerdict,
} from "./oob-codes.ts";

/**
 * How long a stand-in guard outlives its last failure: a day, so it answers exactly like a real
 * user's guard through any attempt sequence with gaps under a day (a window lock, the 100-failure
 * cap reached within hours), while sprayed login ids cost at most a day of storage each.
 */
const STAND_IN_RETENTION_SECONDS = 86_400;

export abstract class UserGuard extends GuardCore {
  /** A login that needs no second factor: refused while locked, else remembered (history, events). */
  async checkLock(now: number, login?: LoginContext): Promise<GuardVerdict> {
    const locked = this.locked(now);
    if (locked || !login) return locked ?? { status: "ok" };
    recordLogin(
      this.kv,
      login.ev,
      login.signals,
      assessRisk(loginHistory(this.kv), login.signals, now),
      now,
      login.authenticationType,
      false,
    );
    return this.flushed({ status: "ok" });
  }

  /** A failed first factor (wrong password) counts toward the same account lock. */
  async recordFailedAttempt(policy: LockoutPolicy, now: number, ev?: EventContext): Promise<GuardVerdict> {
    return this.flushed(this.locked(now) ?? this.fail(policy, now, { ctx: ev ?? null, kind: "password" }));
  }

  /**
   * A wrong password for an unknown login id, counted in a stand-in guard exactly as for a user (so
   * the answers and the work match, no enumeration), which erases itself STAND_IN_RETENTION_SECONDS
   * after its last failure: login ids sprayed by an attacker leave no storage behind for long.
   */
  async recordStandInFailure(policy: LockoutPolicy, now: number): Promise<GuardVerdict> {
    const verdict = this.locked(now) ?? this.fail(policy, now, { ctx: null, kind: "password" });
    const expiresAt = (now + STAND_IN_RETENTION_SECONDS) * 1000;
    this.kv.put(STAND_IN_EXPIRES_KEY, expiresAt);
    await this.ctx.storage.setAlarm(expiresAt);
    return verdict;
  }

  /**
   * Starts a challenge unless the account is locked or (login only) a valid trust covers it.
   * Returns the new twoFactorId: base64url(DO id ‖ 32 random bytes); only a SHA-256 of the nonce is kept.
   */
  async startChallenge(
    init: ChallengeInit,
    now: number,
    trust?: TrustQuery,
    login?: LoginContext,
  ): Promise<GuardVerdict> {
    const nonce = randomBytes(NONCE_BYTES);
    const key = await this.challengeKey(nonce);
    const trustRecord = trust ? await this.findTrust(trust.trustId, now) : null;
    // Commit phase.
    const locked = this.locked(now);
    if (locked) return locked;
    const risk = login ? assessRisk(loginHistory(this.kv), login.signals, now) : null;
    // A risk policy at its level challenges even a trusted device (FusionAuth's ChallengeOn…Risk).
    const demanded = Boolean(risk && login?.riskPolicy && riskDemandsChallenge(login.riskPolicy, risk.level));
    if (trust && !demanded && trustCovers(trustRecord, trust)) {
      if (login && risk) recordLogin(this.kv, login.ev, login.signals, risk, now, login.authenticationType, false);
      return this.flushed({ status: "trusted" });
    }
    for (const [k, value] of this.kv.list<ChallengeRecord>({ prefix: "c:" }))
      if (value.expiresAt <= now && !recoveryHeld(value, now)) this.kv.delete(k);
    sweepRetiredSteps(this.kv, now);
    const suspicious = Boolean(login && risk && (demanded || risk.level === "high"));
    if (login && risk && suspicious) {
      this.queue(
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
    this.kv.put(key, record);
    const twoFactorId = mintTwoFactorId(this.ctx.id.toString(), nonce);
    return this.flushed({ status: "challenge", twoFactorId });
  }

  /**
   * Completes a challenge with a code: the start-supplied code, or a TOTP code of any authenticator
   * method in the challenge (not replayed). A code shaped like a recovery code is not judged here: the
   * answer `check_recovery` holds the challenge for it and asks the caller to consume it in D1 and
   * then call `settleRecovery` (so a consumed code is never answered 404). While held, other answers
   * are refused uncounted.
   */
  async verifyChallenge(input: VerifyChallengeInput): Promise<GuardVerdict> {
    const { now } = input;
    const key = await this.challengeKey(nonceOf(input.nonce));
    const seen = this.kv.get(key) as ChallengeRecord | undefined;
    if (!seen || seen.expiresAt <= now) return { status: "not_found" };
    if (input.expectTenantId && input.expectTenantId !== seen.tenantId) return { status: "not_found" };
    const lookup = await findTotpMatch(
      this.kv,
      this.keyring,
      seen.totp,
      input.code,
      now,
      `${seen.tenantId}:${seen.userId}`,
    );
    const totp = lookup.match;
    const trust = input.trustComputer ? await newTrustId() : null;
    // Commit phase: synchronous from here on, so no other call can interleave between check and write.
    const record = this.kv.get(key) as ChallengeRecord | undefined;
    if (!record || record.expiresAt <= now) return { status: "not_found" };
    const locked = this.locked(now);
    if (locked) return locked;
    if (recoveryHeld(record, now)) return { status: "invalid" };
    const info = input.info ?? {};
    if (
      record.codeHash &&
      challengeCodeLive(record, now) &&
      constantTimeEqual(utf8(input.codeHash), utf8(record.codeHash))
    ) {
      return this.complete(
        key,
        record,
        record.codeMethodId ? { kind: "code", methodId: record.codeMethodId } : { kind: "code" },
        trust,
        now,
        info,
      );
    }
    if (totp && acceptTotpStep(this.kv, totp))
      return this.complete(key, record, { kind: "authenticator", methodId: totp.methodId }, trust, now, info);
    if (!totp && record.recoveryAvailable && looksLikeRecovery(input.code)) {
      this.kv.put(key, { ...record, recoveryHoldUntil: now + RECOVERY_HOLD_SECONDS } satisfies ChallengeRecord);
      return { status: "check_recovery", tenantId: record.tenantId, userId: record.userId };
    }
    const replay = replayReason(lookup);
    return this.flushed(
      this.failChallenge(key, record, now, info, replay ? "authenticator" : challengeFactor(record), replay),
    );
  }

  /** Second half of a recovery-code completion: `consumed` says whether D1 consumed an unused code; releases the hold. */
  async settleRecovery(
    nonceB64: string,
    consumed: boolean,
    trustComputer: boolean,
    now: number,
    info: EventInfo = {},
  ): Promise<GuardVerdict> {
    return this.settle(nonceB64, consumed, { kind: "recovery" }, trustComputer, now, info);
  }

  // ---- WebAuthn (ceremony storage in ./ceremonies.ts; verification in the worker) -----------

  /** Stores a ceremony challenge for this user; an authentication ceremony is refused while locked. */
  async putCeremony(challengeHash: string, record: CeremonyRecord, now: number): Promise<GuardVerdict> {
    const locked = record.ceremony === "registration" ? null : this.locked(now);
    if (locked) return locked;
    storeCeremony(this.kv, challengeHash, record, now);
    return { status: "ok" };
  }

  /** Takes (deletes) a ceremony before its response is verified, so it is single use whatever the outcome. */
  async takeCeremony(challengeHash: string, expect: CeremonyExpectation, now: number): Promise<GuardVerdict> {
    const record = takeCeremony(this.kv, challengeHash, expect, now);
    if (record === "in_flight") return { status: "in_flight" };
    const locked = expect.ceremony === "registration" ? null : this.locked(now);
    if (locked) return locked;
    return record ? { status: "ceremony", record } : { status: "not_found" };
  }

  /**
   * Outcome of a passkey assertion outside a challenge (/api/webauthn/login, /assert). A failure
   * does NOT count toward the guessing lock: a signature cannot be guessed (NIST SP 800-63B §5.2.2
   * bounds guessable authenticators), and counting let anyone who knows a credential id lock the
   * account. It raises `user.login.failed` with the reason instead; the worker throttles how often.
   */
  async settleAssertion(ok: boolean, now: number, ev?: EventContext, reason = "unverified"): Promise<GuardVerdict> {
    const locked = this.locked(now);
    if (locked) return locked;
    if (!ok) {
      if (ev)
        this.queue(
          ev,
          {
            type: "user.login.failed",
            authenticationType: "WEBAUTHN",
            reason: { code: "credentials", detail: reason },
          },
          now,
        );
      return this.flushed({ status: "invalid" });
    }
    this.succeed();
    return { status: "ok" };
  }

  /** Second factor: starts a passkey ceremony for a live challenge; answers its passkeys and relying party. */
  async beginChallengeCeremony(
    nonceB64: string,
    challengeHash: string,
    now: number,
    expectTenantId: string | null,
  ): Promise<GuardVerdict> {
    const key = await this.challengeKey(nonceOf(nonceB64));
    const record = this.liveChallenge(key, now, expectTenantId);
    if (!record?.webauthn || !record.passkeys?.length) return { status: "not_found" };
    const locked = this.locked(now);
    if (locked) return locked;
    const { webauthn, passkeys } = record;
    storeCeremony(
      this.kv,
      challengeHash,
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
  async takeChallengeCeremony(
    nonceB64: string,
    challengeHash: string,
    now: number,
    expectTenantId: string | null,
    info: EventInfo = {},
  ): Promise<GuardVerdict> {
    const key = await this.challengeKey(nonceOf(nonceB64));
    const record = this.liveChallenge(key, now, expectTenantId);
    if (!record) return { status: "not_found" };
    if (recoveryHeld(record, now)) return { status: "invalid" };
    const ceremony = takeCeremony(
      this.kv,
      challengeHash,
      { ceremony: "second_factor", tenantId: record.tenantId },
      now,
    );
    const locked = this.locked(now);
    if (locked) return locked;
    // A copy racing the first submission: refused, not counted (./ceremonies.ts).
    if (ceremony === "in_flight") return { status: "invalid" };
    if (!ceremony || ceremony.challengeKey !== key)
      return this.flushed(this.failChallenge(key, record, now, info, "webauthn"));
    return { status: "check_passkey", challenge: record, ceremony };
  }

  /** Second factor, second half: `verified` says whether the assertion and its counter update passed. */
  async settlePasskey(
    nonceB64: string,
    verified: boolean,
    method: CompletedMethod,
    trustComputer: boolean,
    now: number,
    info: EventInfo = {},
  ): Promise<GuardVerdict> {
    return this.settle(nonceB64, verified, method, trustComputer, now, info);
  }

  /**
   * Adds a one-time code to a live challenge (Required-policy enrolment: enabling the first method
   * with a twoFactorId returns a code that completes that challenge). Refused (false) unless the
   * challenge is a login of a user who had no usable second factor when it started: a step-up, or a
   * login of a user with a method, must be answered with that method (NIST SP 800-63B §6.1.2.1).
   */
  async addChallengeCode(nonceB64: string, codeHash: string, now: number): Promise<boolean> {
    const key = await this.challengeKey(nonceOf(nonceB64));
    const record = this.kv.get(key) as ChallengeRecord | undefined;
    if (!record || record.expiresAt <= now || record.purpose !== "login" || record.enrolment !== true) return false;
    this.kv.put(key, { ...record, codeHash, codeExpiresAt: null, codeMethodId: null });
    return true;
  }

  // ---- Email and SMS codes (storage logic in ./oob-codes.ts; delivery in the worker) ----------

  /** Where a login/step-up code for `methodId` would go. Read only: the worker checks its other throttles next. */
  async peekChallengeSend(
    nonceB64: string,
    methodId: string | null,
    now: number,
    expectTenantId: string | null,
  ): Promise<SendVerdict> {
    const record = liveRecord(this.kv, await this.challengeKey(nonceOf(nonceB64)), now, expectTenantId);
    if (!record) return { status: "not_found" };
    const locked = this.locked(now);
    if (locked) return locked as SendVerdict;
    const target = findTarget(record, methodId);
    if (!target) return { status: "unknown_method" };
    return { status: "target", tenantId: record.tenantId, userId: record.userId, target };
  }

  /** Counts a login/step-up send (challenge, cooldown, user caps) and replaces the challenge's code. */
  async commitChallengeSend(
    nonceB64: string,
    methodId: string | null,
    commit: SendCommit,
    expectTenantId: string | null,
  ): Promise<SendVerdict> {
    const key = await this.challengeKey(nonceOf(nonceB64));
    const record = liveRecord(this.kv, key, commit.now, expectTenantId);
    if (!record) return { status: "not_found" };
    const locked = this.locked(commit.now);
    if (locked) return locked as SendVerdict;
    const target = findTarget(record, methodId);
    if (!target) return { status: "unknown_method" };
    return commitChallengeSend(this.kv, key, record, target, commit);
  }

  /** Counts an enable/disable send (cooldown, user cap) and stores its code bound to `slot` and `destination`. */
  async commitSlotSend(
    slot: string,
    channel: "email" | "sms",
    destination: string,
    commit: SendCommit,
  ): Promise<SendVerdict> {
    const locked = this.locked(commit.now);
    if (locked) return locked as SendVerdict;
    return commitSlotSend(this.kv, slot, channel, destination, commit);
  }

  /**
   * Verifies a code outside a challenge (enable, disable): TOTP candidates come from the caller.
   * Recovery-shaped codes are left to the caller (`check_recovery`), who then calls `settleDirect`.
   */
  async verifyDirect(
    candidates: TotpCandidate[],
    code: string,
    recoveryAllowed: boolean,
    policy: LockoutPolicy,
    now: number,
    oob?: OobCheck,
    ev?: EventContext,
  ): Promise<GuardVerdict> {
    const lookup = await findTotpMatch(this.kv, this.keyring, candidates, code, now, null);
    const totp = lookup.match;
    const locked = this.locked(now);
    if (locked) return locked;
    const slot = oob ? matchSlot(this.kv, oob, now) : "miss";
    if (slot === "mismatch") return { status: "mismatch" };
    if (slot === "match") {
      this.succeed();
      return { status: "verified", method: { kind: "code" } };
    }
    if (totp && acceptTotpStep(this.kv, totp)) {
      this.succeed();
      return { status: "verified", method: { kind: "authenticator", methodId: totp.methodId, step: totp.step } };
    }
    if (!totp && recoveryAllowed && looksLikeRecovery(code)) return { status: "check_recovery" };
    if (oob) failSlot(this.kv, oob.slot);
    const reason = replayReason(lookup);
    const factor = reason
      ? "authenticator"
      : oob
        ? (oob.channel ?? "code")
        : candidates.length
          ? "authenticator"
          : "code";
    return this.flushed(this.fail(policy, now, { ctx: ev ?? null, kind: "second_factor", factor, reason }));
  }

  async settleDirect(consumed: boolean, policy: LockoutPolicy, now: number, ev?: EventContext): Promise<GuardVerdict> {
    const locked = this.locked(now);
    if (locked) return locked;
    if (!consumed)
      return this.flushed(this.fail(policy, now, { ctx: ev ?? null, kind: "second_factor", factor: "recovery code" }));
    this.succeed();
    if (ev) this.queue(ev, { type: "user.two-factor.recovery-code.used" }, now, { kind: "recovery_code_used" });
    return this.flushed({ status: "verified", method: { kind: "recovery" } });
  }

  /**
   * Methods were removed: every open challenge loses them (TOTP key, email/SMS target, a code sent
   * through one), their TOTP steps are kept `retainStepsSeconds` longer (the longest challenge
   * lifetime) so the removal's own code cannot be replayed, and their disable codes die.
   */
  async removeMethods(
    methodIds: string[],
    opts: { now: number; retainStepsSeconds: number },
  ): Promise<{ challengesChanged: number }> {
    const gone = new Set(methodIds);
    let challengesChanged = 0;
    for (const [key, record] of this.kv.list<ChallengeRecord>({ prefix: "c:" })) {
      const stripped = withoutMethods(record, gone);
      if (!stripped) continue;
      this.kv.put(key, stripped);
      challengesChanged++;
    }
    sweepRetiredSteps(this.kv, opts.now);
    retireTotpSteps(this.kv, methodIds, opts.now + opts.retainStepsSeconds);
    // A later method may get a removed one's id: its first use must be written.
    if (methodIds.includes(this.kv.get(LAST_METHOD_KEY) as string)) this.kv.delete(LAST_METHOD_KEY);
    for (const id of methodIds) this.kv.delete(slotKey(`disable:${id}`));
    return { challengesChanged };
  }

  /** Trust status for `GET/POST /api/two-factor/status`. */
  async trustStatus(trust: TrustQuery, now: number): Promise<{ trusted: boolean; trust: TrustRecord | null }> {
    const rec = await this.findTrust(trust.trustId, now);
    return { trusted: trustCovers(rec, trust), trust: rec };
  }

  /** Administrator unlock: lifts the lock and clears the counters; answers whether a lock was lifted. */
  async unlock(now: number, ev?: EventContext): Promise<boolean> {
    const wasLocked = isLocked(this.lockout(), now);
    const actions = lockActions(this.lockout());
    this.kv.put("lockout", unlockState());
    this.kv.delete("alert-window");
    if (wasLocked && ev)
      this.queue(ev, { type: "user.action", phase: "cancel", action: actions[0], actioneeUserId: ev.userId }, now);
    return this.flushed(wasLocked);
  }

  /** Events the worker reports (method added or removed, codes regenerated); `revokeTrusts` (a factor change) ends every device trust and earlier step-up proof. */
  async recordEvents(
    ev: EventContext,
    events: Array<{ draft: Parameters<typeof queueEvent>[2]; alert?: OutboxAlert }>,
    now: number,
    opts: { revokeTrusts?: boolean } = {},
  ): Promise<void> {
    if (opts.revokeTrusts) {
      this.revokeAllTrusts();
      revokeProofs(this.kv, now);
    }
    for (const e of events) this.queue(ev, e.draft, now, e.alert);
    await this.flushed(undefined);
  }

  /** Consumes a step-up proof (keyed by a hash of its jti): `ok` once, `invalid` for a replay or a revoked proof, refused while locked. */
  async consumeStepUpProof(
    proofKey: string,
    issuedAt: number,
    retainUntil: number,
    now: number,
  ): Promise<GuardVerdict> {
    const locked = this.locked(now);
    if (locked) return locked;
    return consumeProof(this.kv, proofKey, issuedAt, retainUntil, now) ? { status: "ok" } : { status: "invalid" };
  }

  async erase(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  async lockState(): Promise<LockoutState> {
    return this.lockout();
  }

  /** The user's live device trusts, each named by a reference that is not the trust id itself. */
  async listTrusts(now: number): Promise<Array<TrustRecord & { ref: string }>> {
    return [...this.kv.list<TrustRecord>({ prefix: "t:" })]
      .filter(([, t]) => t.expiration > now)
      .map(([key, t]) => ({ ...t, ref: trustRefOf(key) }));
  }

  /**
   * The user's password or email changed, or the user was deactivated: every open challenge (and
   * email/SMS code), every device trust and every step-up proof issued before `now` ends, so nothing
   * earned under the old state outlives it.
   */
  async endSessions(now: number): Promise<{ challengesEnded: number; trustsRevoked: number }> {
    const challengesEnded = [...this.kv.list({ prefix: "c:" })].length;
    this.dropChallenges();
    revokeProofs(this.kv, now);
    return { challengesEnded, trustsRevoked: await this.revokeTrusts(null) };
  }

  /** Revokes one trust (by reference) or, with null, all of them; answers how many ended. */
  async revokeTrusts(ref: string | null = null): Promise<number> {
    let n = 0;
    for (const [key] of this.kv.list({ prefix: "t:" })) {
      if (ref !== null && trustRefOf(key) !== ref) continue;
      this.kv.delete(key);
      n++;
    }
    return n;
  }
}
