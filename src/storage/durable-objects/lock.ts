/**
 * The account's failure counters and lock inside the UserGuard (`lockout`, ./keys.ts; the rules are
 * src/domain/lockout.ts). A counted failure may lock; the failure that locks ends every live
 * challenge, email/SMS code and device trust of the user, and raises the events that say so.
 */
import {
  INITIAL_LOCKOUT_STATE,
  isLocked,
  lockActions,
  recordFailure,
  recordSuccess,
  unlock,
  type LockoutPolicy,
  type LockoutState,
} from "../../domain/lockout.ts";
import { noteAlertWindow, queueEvent, type EventContext } from "./guard-events.ts";
import { dropChallenges } from "./challenge-store.ts";
import { revokeTrusts } from "./trusts.ts";
import { ALERT_WINDOW_KEY, LOCKOUT_KEY } from "./keys.ts";
import type { FailureVerdict, Locked } from "./user-guard-types.ts";

type Kv = SyncKvStorage;

/** Why a failure is counted: the first factor (password) or a second factor, and which one. */
export type FailureFacts = {
  ctx: EventContext | null;
  kind: "password" | "second_factor";
  factor?: string | null;
  /** Why a second-factor answer failed, when it is more than "wrong" (`replay`: a TOTP code already used). */
  reason?: string;
};

export function lockState(kv: Kv): LockoutState {
  return (kv.get(LOCKOUT_KEY) as LockoutState | undefined) ?? { ...INITIAL_LOCKOUT_STATE };
}

/** The `locked` answer while the account is locked, else null. */
export function lockedNow(kv: Kv, now: number): Locked | null {
  const state = lockState(kv);
  return isLocked(state, now) ? { status: "locked", actions: lockActions(state) } : null;
}

/** A success resets the counters (written only when they moved). */
export function countSuccess(kv: Kv): void {
  const state = lockState(kv);
  if (state.consecutiveFailures !== 0 || state.windowFailures !== 0) kv.put(LOCKOUT_KEY, recordSuccess());
}

/**
 * Counts a failure; on the failure that locks, every live challenge and every device trust of the
 * user dies. A second-factor failure also feeds the alert window (one alert per window).
 */
export function countFailure(kv: Kv, policy: LockoutPolicy, now: number, why: FailureFacts): FailureVerdict {
  const { state, lockedNow: locks } = recordFailure(lockState(kv), policy, now);
  kv.put(LOCKOUT_KEY, state);
  const ev = why.ctx;
  if (ev && why.kind === "password") {
    queueEvent(
      kv,
      ev,
      { type: "user.login.failed", authenticationType: "PASSWORD", reason: { code: "credentials" } },
      now,
    );
  } else if (ev) {
    const { failures, alertNow } = noteAlertWindow(kv, policy.alert, now);
    const method = why.factor ?? "unknown";
    const draft = why.reason
      ? { type: "user.two-factor.failed-attempt" as const, method, reason: { code: why.reason } }
      : { type: "user.two-factor.failed-attempt" as const, method };
    queueEvent(kv, ev, draft, now, alertNow ? { kind: "failed_attempts", factor: method, failures } : undefined);
  }
  if (!isLocked(state, now)) return { status: "invalid" };
  const actions = lockActions(state);
  if (locks) {
    dropChallenges(kv);
    revokeTrusts(kv, null);
    const lockedUntil = state.lockedUntil !== null && state.lockedUntil > 0 ? state.lockedUntil : null;
    if (ev)
      queueEvent(kv, ev, { type: "user.action", phase: "start", action: actions[0], actioneeUserId: ev.userId }, now, {
        kind: "account_locked",
        lockedUntil,
      });
  }
  return { status: "locked", actions, lockedNow: locks };
}

/** Administrator unlock: lifts the lock and clears the counters; answers whether a lock was lifted. */
export function unlockAccount(kv: Kv, now: number, ev: EventContext | undefined): boolean {
  const state = lockState(kv);
  const wasLocked = isLocked(state, now);
  const actions = lockActions(state);
  kv.put(LOCKOUT_KEY, unlock());
  kv.delete(ALERT_WINDOW_KEY);
  if (wasLocked && ev)
    queueEvent(kv, ev, { type: "user.action", phase: "cancel", action: actions[0], actioneeUserId: ev.userId }, now);
  return wasLocked;
}
