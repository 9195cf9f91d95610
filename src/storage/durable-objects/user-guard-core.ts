/**
 * The UserGuard's state and decisions shared by its RPC methods (./user-guard.ts): storage access,
 * the lock and failure counting, the event queue and its alarm, challenge completion and trusts.
 * Split out so each file stays readable; only UserGuard is bound and exported to the worker.
 */
import { DurableObject } from "cloudflare:workers";
import { hexEncode } from "../../domain/encoding.ts";
import { parseKeyring, randomBytes, sha256, type EncryptionKeyring } from "../../domain/crypto.ts";
import {
  INITIAL_LOCKOUT_STATE,
  MAX_ATTEMPTS_PER_CHALLENGE,
  isLocked,
  lockActions,
  recordFailure,
  recordSuccess,
  type LockoutPolicy,
  type LockoutState,
} from "../../domain/lockout.ts";
import type { ChallengeRecord, CompletedMethod, GuardVerdict } from "./user-guard-types.ts";
import type { EventInfo } from "../../domain/events.ts";
import {
  FLUSH_DELAY_MS,
  FLUSH_JITTER_MS,
  hasPendingEvents,
  noteAlertWindow,
  queueEvent,
  recordLogin,
  type EventContext,
  type OutboxAlert,
} from "./guard-events.ts";
import { flushOutbox, type FlushDeps } from "./guard-flush.ts";
import {
  newTrustId,
  nonceOf,
  trustDevice,
  trustStorageKeyOf,
  type NewTrust,
  type TrustRecord,
} from "./user-guard-ids.ts";

export const NONCE_BYTES = 32;
/** How long a challenge waits for the D1 consumption of a recovery code submitted to it (a crashed worker frees it then). */
export const RECOVERY_HOLD_SECONDS = 10;
/** The method id of the latest completion that named a method (see markLastUsed). */
export const LAST_METHOD_KEY = "last-method";

/** Why a failure is counted: the first factor (password) or a second factor, and which one. */
export type FailureFacts = {
  ctx: EventContext | null;
  kind: "password" | "second_factor";
  factor?: string | null;
  /** Why a second-factor answer failed, when it is more than "wrong" (`replay`: a TOTP code already used). */
  reason?: string;
};

/** The pending alarm's time, mirrored so a burst of events sets it once. */
export const FLUSH_AT_KEY = "flush-at";
/**
 * Set only in a stand-in guard (an unknown login id's, see `recordStandInFailure`): the time (ms) at
 * which it erases itself. Such a guard never queues events, so its alarm serves only this.
 */
export const STAND_IN_EXPIRES_KEY = "stand-in-expires";

export abstract class GuardCore extends DurableObject<Env> {
  #keyring: EncryptionKeyring | undefined;

  protected get keyring(): EncryptionKeyring {
    this.#keyring ??= parseKeyring(this.env.ENCRYPTION_KEYS);
    return this.#keyring;
  }

  protected get kv() {
    return this.ctx.storage.kv;
  }

  protected lockout(): LockoutState {
    return (this.kv.get("lockout") as LockoutState | undefined) ?? { ...INITIAL_LOCKOUT_STATE };
  }

  protected locked(now: number): GuardVerdict | null {
    const state = this.lockout();
    return isLocked(state, now) ? { status: "locked", actions: lockActions(state) } : null;
  }

  /**
   * Counts a failure; on the failure that locks, every live challenge and every device trust of the
   * user dies. A second-factor failure also feeds the alert window (one alert per window).
   */
  protected fail(policy: LockoutPolicy, now: number, why: FailureFacts): GuardVerdict {
    const { state, lockedNow } = recordFailure(this.lockout(), policy, now);
    this.kv.put("lockout", state);
    const ev = why.ctx;
    if (ev && why.kind === "password") {
      this.queue(
        ev,
        { type: "user.login.failed", authenticationType: "PASSWORD", reason: { code: "credentials" } },
        now,
      );
    } else if (ev) {
      const { failures, alertNow } = noteAlertWindow(this.kv, policy.alert, now);
      const method = why.factor ?? "unknown";
      const draft = why.reason
        ? { type: "user.two-factor.failed-attempt" as const, method, reason: { code: why.reason } }
        : { type: "user.two-factor.failed-attempt" as const, method };
      this.queue(ev, draft, now, alertNow ? { kind: "failed_attempts", factor: method, failures } : undefined);
    }
    if (isLocked(state, now)) {
      const actions = lockActions(state);
      if (lockedNow) {
        this.dropChallenges();
        this.revokeAllTrusts();
        const lockedUntil = state.lockedUntil !== null && state.lockedUntil > 0 ? state.lockedUntil : null;
        if (ev)
          this.queue(ev, { type: "user.action", phase: "start", action: actions[0], actioneeUserId: ev.userId }, now, {
            kind: "account_locked",
            lockedUntil,
          });
      }
      return { status: "locked", actions, lockedNow };
    }
    return { status: "invalid" };
  }

  /** Queues an event in the current commit; `flushed` then makes sure the alarm will hand it on. */
  protected queue(ev: EventContext, draft: Parameters<typeof queueEvent>[2], now: number, alert?: OutboxAlert): void {
    queueEvent(this.kv, ev, draft, now, alert);
  }

  /** After a commit: when events wait and no alarm is pending, one fires 2–5 s later (FLUSH_DELAY_MS + jitter; once per burst). */
  protected async flushed<T>(verdict: T): Promise<T> {
    if (this.kv.get(FLUSH_AT_KEY) === undefined && hasPendingEvents(this.kv)) {
      const draw = new DataView(randomBytes(4).buffer).getUint32(0) / 2 ** 32;
      const at = Date.now() + FLUSH_DELAY_MS + Math.floor(draw * FLUSH_JITTER_MS);
      this.kv.put(FLUSH_AT_KEY, at);
      await this.ctx.storage.setAlarm(at);
    }
    return verdict;
  }

  protected succeed(): void {
    const state = this.lockout();
    if (state.consecutiveFailures !== 0 || state.windowFailures !== 0) this.kv.put("lockout", recordSuccess());
  }

  protected dropChallenges(): void {
    for (const [key] of this.kv.list({ prefix: "c:" })) this.kv.delete(key);
    for (const [key] of this.kv.list({ prefix: "o:" })) this.kv.delete(key);
  }

  protected async challengeKey(nonce: Uint8Array): Promise<string> {
    return `c:${hexEncode(await sha256(nonce))}`;
  }

  /**
   * Hands pending events to D1, the tenant's webhooks and the user's inbox (./guard-flush.ts); a
   * stand-in guard (STAND_IN_EXPIRES_KEY) whose time has come erases itself instead.
   */
  override async alarm(): Promise<void> {
    const expiresAt = this.kv.get(STAND_IN_EXPIRES_KEY) as number | undefined;
    if (expiresAt !== undefined) {
      if (expiresAt <= Date.now()) await this.ctx.storage.deleteAll();
      else await this.ctx.storage.setAlarm(expiresAt);
      return;
    }
    this.kv.delete(FLUSH_AT_KEY);
    const again = await flushOutbox(this.kv, this.flushDeps());
    if (again !== null && this.kv.get(FLUSH_AT_KEY) === undefined) {
      this.kv.put(FLUSH_AT_KEY, Date.now() + again);
      await this.ctx.storage.setAlarm(Date.now() + again);
    }
  }

  /**
   * The flush's I/O (D1, webhooks, mail and SMS), supplied by the worker entry (src/index.ts) so this
   * storage layer never imports the services. Tests replace it to inject provider faults.
   */
  protected abstract flushDeps(): FlushDeps;

  // ---- internals ---------------------------------------------------------------------------

  protected liveChallenge(key: string, now: number, expectTenantId: string | null): ChallengeRecord | null {
    const record = this.kv.get(key) as ChallengeRecord | undefined;
    if (!record || record.expiresAt <= now) return null;
    return expectTenantId && expectTenantId !== record.tenantId ? null : record;
  }

  /** Completes a challenge whose answer was judged outside the object (recovery code, passkey), or counts a failure. */
  protected async settle(
    nonceB64: string,
    ok: boolean,
    method: CompletedMethod,
    trustComputer: boolean,
    now: number,
    info: EventInfo,
  ): Promise<GuardVerdict> {
    const key = await this.challengeKey(nonceOf(nonceB64));
    const trust = trustComputer ? await newTrustId() : null;
    const held = this.kv.get(key) as ChallengeRecord | undefined;
    if (!held || (held.expiresAt <= now && !recoveryHeld(held, now))) return { status: "not_found" };
    const locked = this.locked(now);
    if (locked) return locked;
    // Only the recovery check that holds the challenge may settle it meanwhile; it releases the hold.
    if (method.kind !== "recovery" && recoveryHeld(held, now)) return { status: "invalid" };
    const { recoveryHoldUntil: _released, ...record } = held;
    if (ok) return this.complete(key, record, method, trust, now, info);
    return this.flushed(
      this.failChallenge(key, record, now, info, method.kind === "recovery" ? "recovery code" : method.kind),
    );
  }

  protected complete(
    key: string,
    record: ChallengeRecord,
    completed: CompletedMethod,
    newTrust: NewTrust | null,
    now: number,
    info: EventInfo,
  ): Promise<GuardVerdict> {
    this.kv.delete(key);
    this.succeed();
    const method = completed.methodId
      ? { ...completed, lastUsedChanged: this.markLastUsed(completed.methodId) }
      : completed;
    const ev = challengeContext(record, info);
    this.queue(
      ev,
      { type: "user.two-factor.success", method: completed.kind === "code" ? "code" : completed.kind },
      now,
    );
    if (completed.kind === "recovery")
      this.queue(ev, { type: "user.two-factor.recovery-code.used" }, now, { kind: "recovery_code_used" });
    if (record.purpose === "login" && record.login) {
      const { signals, risk, alerted, authenticationType } = record.login;
      recordLogin(this.kv, ev, signals, risk, now, authenticationType, alerted);
    } else if (record.purpose === "login") {
      this.queue(ev, { type: "user.login.success", authenticationType: "PASSWORD" }, now);
    }
    if (!newTrust) return this.flushed({ status: "completed", challenge: record, method });
    const trust: TrustRecord = {
      applicationId: record.applicationId,
      startInstant: now,
      expiration: now + record.token.trustTtlSeconds,
      ...trustDevice(info),
    };
    // Stored under SHA-256 of the id: 256 random bits need no key or salt.
    this.kv.put(newTrust.storageKey, trust);
    return this.flushed({
      status: "completed",
      challenge: record,
      method,
      trust: { trustId: newTrust.trustId, expiration: trust.expiration },
    });
  }

  /**
   * Remembers the method of the latest completion that named one. False when it was already the
   * previous one: its D1 `last_used_at` is then already the newest of the user's methods, so the
   * caller can skip rewriting it (`lastUsed` marks the same method either way).
   */
  protected markLastUsed(methodId: string): boolean {
    if (this.kv.get(LAST_METHOD_KEY) === methodId) return false;
    this.kv.put(LAST_METHOD_KEY, methodId);
    return true;
  }

  protected failChallenge(
    key: string,
    record: ChallengeRecord,
    now: number,
    info: EventInfo,
    factor: string,
    reason?: string,
  ): GuardVerdict {
    const verdict = this.fail(record.policy, now, {
      ctx: challengeContext(record, info),
      kind: "second_factor",
      factor,
      reason,
    });
    if (verdict.status === "locked") return verdict;
    const attempts = record.attempts + 1;
    if (attempts >= MAX_ATTEMPTS_PER_CHALLENGE) this.kv.delete(key);
    else this.kv.put(key, { ...record, attempts });
    return verdict;
  }

  protected revokeAllTrusts(): void {
    for (const [key] of this.kv.list({ prefix: "t:" })) this.kv.delete(key);
  }

  /** The live trust named by `trustId`, or null (unknown, malformed or expired). */
  protected async findTrust(trustId: string | null, now: number): Promise<TrustRecord | null> {
    const key = trustId ? await trustStorageKeyOf(trustId) : null;
    const rec = key ? (this.kv.get(key) as TrustRecord | undefined) : undefined;
    return rec && rec.expiration > now ? rec : null;
  }
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

/** The challenge without the `gone` methods (TOTP keys, email/SMS targets, a code sent through one); null when it had none of them. */
export function withoutMethods(record: ChallengeRecord, gone: Set<string>): ChallengeRecord | null {
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

/** Is a recovery code of this challenge being consumed in D1 right now (see `recoveryHoldUntil`)? */
export function recoveryHeld(record: ChallengeRecord, now: number): boolean {
  return record.recoveryHoldUntil !== undefined && record.recoveryHoldUntil > now;
}
