/**
 * UserGuard: one Durable Object per (tenant, user). It owns every decision that must be atomic for
 * that user: live challenges (twoFactorIds) with expiry and per-challenge attempts, the account's
 * failure counters and lock, the last accepted TOTP step per method (replay), device trusts, and
 * single-use consumption. Every RPC method reads, decides (pure domain functions) and writes without
 * awaiting anything external, so input gates serialise concurrent callers: two parallel correct
 * submissions yield exactly one success.
 *
 * This class only routes: each RPC method hands the object's storage to one module of
 * src/storage/durable-objects/ (keys in keys.ts) and, when the call may have queued events,
 * schedules their flush. Nothing else is reachable over RPC: state is in `#` fields, helpers are
 * module functions. It builds no dependencies; `defineUserGuard` receives them from the
 * composition root (src/services/container.ts `objectDeps`).
 *
 * It never returns a secret except the one it just minted (twoFactorId, trust id), and never logs codes.
 * Methods return result values, not exceptions (RPC exceptions lose their stack).
 */
import { DurableObject } from "cloudflare:workers";
import type { EncryptionKeyring } from "../domain/crypto.ts";
import type { LockoutPolicy, LockoutState } from "../domain/lockout.ts";
import type { CeremonyExpectation } from "../storage/durable-objects/ceremonies.ts";
import { dropChallenges, stripMethods } from "../storage/durable-objects/challenge-store.ts";
import * as challenges from "../storage/durable-objects/challenge-flow.ts";
import * as direct from "../storage/durable-objects/direct.ts";
import { queueEvent, type EventContext, type OutboxAlert } from "../storage/durable-objects/guard-events.ts";
import { runGuardAlarm, scheduleFlush, type FlushDeps } from "../storage/durable-objects/guard-flush.ts";
import * as passkeys from "../storage/durable-objects/guard-passkeys.ts";
import { lockState, lockedNow, unlockAccount } from "../storage/durable-objects/lock.ts";
import * as logins from "../storage/durable-objects/logins.ts";
import * as oob from "../storage/durable-objects/oob-codes.ts";
import { consumeProof, revokeProofs } from "../storage/durable-objects/step-up-proofs.ts";
import { retireTotpSteps, sweepRetiredSteps } from "../storage/durable-objects/totp-replay.ts";
import * as trusts from "../storage/durable-objects/trusts.ts";
import type {
  AssertionVerdict,
  BeginCeremonyVerdict,
  CeremonyRecord,
  ChallengeVerdict,
  CompletedMethod,
  DirectVerdict,
  FailureVerdict,
  LockVerdict,
  LoginContext,
  SettleDirectVerdict,
  SettleVerdict,
  StartVerdict,
  TakeCeremonyVerdict,
  TakeChallengeCeremonyVerdict,
  TrustQuery,
  VerifyChallengeInput,
} from "../storage/durable-objects/user-guard-types.ts";

/** What the UserGuard needs from outside, built once per isolate by the composition root. */
export type UserGuardDeps = {
  /** Opens TOTP secrets (AES-GCM) for matching. */
  keyring: EncryptionKeyring;
  /** The alarm's I/O: D1, webhooks, mail and SMS (src/services/event-flush.ts). */
  flush: FlushDeps;
  /** Wraps each alarm run (bench instrumentation); identity otherwise. */
  timeAlarm: (run: () => Promise<void>) => Promise<void>;
};

type SendCommit = oob.SendCommit;
/** An answer the worker judged (recovery code, passkey), named by its challenge's nonce. */
type SettleAnswer = Omit<challenges.SettleInput, "ok" | "method">;

export function defineUserGuard(depsOf: (env: Env) => UserGuardDeps) {
  return class UserGuard extends DurableObject<Env> {
    readonly #kv = this.ctx.storage.kv;
    #deps: UserGuardDeps | undefined;

    /**
     * The alarm's I/O. An instance field, not a method: Workers RPC exposes only class members, so
     * it is unreachable over RPC; tests swap it (runInDurableObject) to inject provider faults.
     */
    private flushDeps = (): FlushDeps => this.#use().flush;

    #use(): UserGuardDeps {
      this.#deps ??= depsOf(this.env);
      return this.#deps;
    }

    /** After a call that may have queued events: make sure the alarm will hand them on. */
    async #flushed<T>(verdict: T): Promise<T> {
      await scheduleFlush(this.ctx.storage);
      return verdict;
    }

    override async alarm(): Promise<void> {
      await this.#use().timeAlarm(() => runGuardAlarm(this.ctx.storage, this.flushDeps()));
    }

    // ---- First factor (logins.ts) ----------------------------------------------------------

    async checkLock(now: number, login?: LoginContext): Promise<LockVerdict> {
      return this.#flushed(logins.checkLock(this.#kv, now, login));
    }

    async recordFailedAttempt(policy: LockoutPolicy, now: number, ev?: EventContext): Promise<FailureVerdict> {
      return this.#flushed(logins.recordFailedPassword(this.#kv, policy, now, ev));
    }

    async recordStandInFailure(policy: LockoutPolicy, now: number): Promise<FailureVerdict> {
      const { verdict, eraseAt } = logins.recordStandInFailure(this.#kv, policy, now);
      await this.ctx.storage.setAlarm(eraseAt);
      return verdict;
    }

    // ---- Challenges (challenge-flow.ts) ----------------------------------------------------

    async startChallenge(input: challenges.StartChallengeInput): Promise<StartVerdict> {
      return this.#flushed(await challenges.startChallenge(this.#kv, this.ctx.id.toString(), input));
    }

    async verifyChallenge(input: VerifyChallengeInput): Promise<ChallengeVerdict> {
      return this.#flushed(await challenges.verifyChallenge(this.#kv, this.#use().keyring, input));
    }

    /** Second half of a recovery-code completion: `consumed` says whether D1 consumed an unused code; releases the hold. */
    async settleRecovery(input: SettleAnswer & { consumed: boolean }): Promise<SettleVerdict> {
      const { consumed, ...rest } = input;
      return this.#flushed(
        await challenges.settleChallenge(this.#kv, { ...rest, ok: consumed, method: { kind: "recovery" } }),
      );
    }

    /** Second factor, second half: `verified` says whether the assertion and its counter update passed. */
    async settlePasskey(input: SettleAnswer & { verified: boolean; method: CompletedMethod }): Promise<SettleVerdict> {
      const { verified, ...rest } = input;
      return this.#flushed(await challenges.settleChallenge(this.#kv, { ...rest, ok: verified }));
    }

    async addChallengeCode(nonce: string, codeHash: string, now: number): Promise<boolean> {
      return challenges.addChallengeCode(this.#kv, nonce, codeHash, now);
    }

    // ---- Codes outside a challenge (direct.ts) ---------------------------------------------

    async verifyDirect(input: direct.VerifyDirectInput): Promise<DirectVerdict> {
      return this.#flushed(await direct.verifyDirect(this.#kv, this.#use().keyring, input));
    }

    async settleDirect(input: direct.SettleDirectInput): Promise<SettleDirectVerdict> {
      return this.#flushed(direct.settleDirect(this.#kv, input));
    }

    // ---- Passkeys (guard-passkeys.ts) ------------------------------------------------------

    async putCeremony(challengeHash: string, record: CeremonyRecord, now: number): Promise<LockVerdict> {
      return passkeys.putCeremony(this.#kv, challengeHash, record, now);
    }

    async takeCeremony(challengeHash: string, expect: CeremonyExpectation, now: number): Promise<TakeCeremonyVerdict> {
      return passkeys.takeUserCeremony(this.#kv, challengeHash, expect, now);
    }

    async settleAssertion(outcome: passkeys.AssertionOutcome): Promise<AssertionVerdict> {
      return this.#flushed(passkeys.settleAssertion(this.#kv, outcome));
    }

    async beginChallengeCeremony(input: passkeys.ChallengeCeremonyInput): Promise<BeginCeremonyVerdict> {
      return passkeys.beginChallengeCeremony(this.#kv, input);
    }

    async takeChallengeCeremony(input: passkeys.ChallengeCeremonyInput): Promise<TakeChallengeCeremonyVerdict> {
      return this.#flushed(await passkeys.takeChallengeCeremony(this.#kv, input));
    }

    // ---- Email and SMS codes (oob-codes.ts; delivery in the worker) ------------------------

    async peekChallengeSend(input: oob.ChallengeSendInput & { now: number }): Promise<oob.PeekVerdict> {
      return oob.peekChallengeSend(this.#kv, input);
    }

    async commitChallengeSend(
      input: oob.ChallengeSendInput & { commit: SendCommit },
    ): Promise<oob.ChallengeSendVerdict> {
      return oob.commitChallengeSend(this.#kv, input);
    }

    async commitSlotSend(
      slot: string,
      channel: "email" | "sms",
      destination: string,
      commit: SendCommit,
    ): Promise<oob.SlotSendVerdict> {
      return oob.commitSlotSend(this.#kv, slot, channel, destination, commit);
    }

    // ---- Methods, trusts, sessions, the lock -------------------------------------------------

    /**
     * Methods were removed: every open challenge loses them (TOTP key, email/SMS target, a code sent
     * through one), their TOTP steps are kept `retainStepsSeconds` longer (the longest challenge
     * lifetime) so the removal's own code cannot be replayed, and their disable codes die.
     */
    async removeMethods(
      methodIds: string[],
      opts: { now: number; retainStepsSeconds: number },
    ): Promise<{ challengesChanged: number }> {
      const challengesChanged = stripMethods(this.#kv, new Set(methodIds));
      sweepRetiredSteps(this.#kv, opts.now);
      retireTotpSteps(this.#kv, methodIds, opts.now + opts.retainStepsSeconds);
      challenges.forgetLastUsed(this.#kv, methodIds);
      oob.dropDisableSlots(this.#kv, methodIds);
      return { challengesChanged };
    }

    /** Trust status for `GET/POST /api/two-factor/status`. */
    async trustStatus(trust: TrustQuery, now: number): Promise<{ trusted: boolean; trust: trusts.TrustRecord | null }> {
      const rec = await trusts.findTrust(this.#kv, trust.trustId, now);
      return { trusted: trusts.trustCovers(rec, trust), trust: rec };
    }

    /** Administrator unlock: lifts the lock and clears the counters; answers whether a lock was lifted. */
    async unlock(now: number, ev?: EventContext): Promise<boolean> {
      return this.#flushed(unlockAccount(this.#kv, now, ev));
    }

    /** Events the worker reports (method added or removed, codes regenerated); `revokeTrusts` (a factor change) ends every device trust and earlier step-up proof. */
    async recordEvents(
      ev: EventContext,
      events: Array<{ draft: Parameters<typeof queueEvent>[2]; alert?: OutboxAlert }>,
      now: number,
      opts: { revokeTrusts?: boolean } = {},
    ): Promise<void> {
      if (opts.revokeTrusts) {
        trusts.revokeTrusts(this.#kv, null);
        revokeProofs(this.#kv);
      }
      for (const e of events) queueEvent(this.#kv, ev, e.draft, now, e.alert);
      await this.#flushed(undefined);
    }

    /** Consumes a step-up proof (keyed by a hash of its jti): `ok` once, `invalid` for a replay or a revoked proof, refused while locked. */
    async consumeStepUpProof(proof: {
      proofKey: string;
      epoch: number;
      retainUntil: number;
      now: number;
    }): Promise<LockVerdict | { status: "invalid" }> {
      const locked = lockedNow(this.#kv, proof.now);
      if (locked) return locked;
      return consumeProof(this.#kv, proof.proofKey, proof.epoch, proof.retainUntil, proof.now)
        ? { status: "ok" }
        : { status: "invalid" };
    }

    async erase(): Promise<void> {
      await this.ctx.storage.deleteAll();
    }

    async lockState(): Promise<LockoutState> {
      return lockState(this.#kv);
    }

    /** The user's live device trusts, each named by a reference that is not the trust id itself. */
    async listTrusts(now: number): Promise<Array<trusts.TrustRecord & { ref: string }>> {
      return trusts.listTrusts(this.#kv, now);
    }

    /**
     * The user's password or email changed, or the user was deactivated: every open challenge (and
     * email/SMS code), every device trust and every step-up proof earned so far ends, so nothing
     * earned under the old state outlives it.
     */
    async endSessions(): Promise<{ challengesEnded: number; trustsRevoked: number }> {
      const challengesEnded = dropChallenges(this.#kv);
      revokeProofs(this.#kv);
      return { challengesEnded, trustsRevoked: trusts.revokeTrusts(this.#kv, null) };
    }

    /** Revokes one trust (by reference) or, with null, all of them; answers how many ended. */
    async revokeTrusts(ref: string | null = null): Promise<number> {
      return trusts.revokeTrusts(this.#kv, ref);
    }
  };
}

/** The UserGuard's instance type (its RPC surface; src/services/container.ts `GuardApi`). */
export type UserGuard = InstanceType<ReturnType<typeof defineUserGuard>>;
