/**
 * Account lockout decisions (pure). The UserGuard Durable Object persists the state; this module decides.
 *
 * Two bounds apply together:
 * - FusionAuth's failedAuthenticationConfiguration: `tooManyAttempts` failures within
 *   `resetCountInSeconds` lock the account for the action duration (409 with `actions`).
 * - NIST SP 800-63B §5.2.2 (rev 4 §3.2.2): at most 100 *consecutive* failures per account. That counter
 *   is reset only by a success, never by time; reaching it locks until an administrator unlocks.
 * So an attacker gets at most MAX_CONSECUTIVE_FAILURES guesses between two successes of the real
 * user: P(success) ≤ 100 · 3 / 10^6 = 3·10⁻⁴ for a TOTP code (±1 step ⇒ 3 codes per guess).
 */

import type { AlertPolicy } from "./alerting.ts";

/** NIST SP 800-63B §5.2.2: "no more than 100" consecutive failed attempts on a single account. */
export const MAX_CONSECUTIVE_FAILURES = 100;

/** Attempts one challenge allows before it dies (then 404, like an expired twoFactorId). */
export const MAX_ATTEMPTS_PER_CHALLENGE = 5;

export type LockoutState = {
  consecutiveFailures: number;
  windowStart: number;
  windowFailures: number;
  /** Unix seconds; null = not locked; Infinity is stored as -1 (until an admin unlocks). */
  lockedUntil: number | null;
  lockedReason: "too_many_attempts" | "consecutive_failures" | null;
};

/** `alert` travels with the lockout policy so every path that counts a failure also feeds the alert window. */
export type LockoutPolicy = {
  tooManyAttempts: number;
  resetCountInSeconds: number;
  lockSeconds: number;
  alert?: AlertPolicy;
};

export const INITIAL_LOCKOUT_STATE: LockoutState = {
  consecutiveFailures: 0,
  windowStart: 0,
  windowFailures: 0,
  lockedUntil: null,
  lockedReason: null,
};

export const LOCKED_UNTIL_UNLOCKED = -1;

export function isLocked(state: LockoutState, now: number): boolean {
  if (state.lockedUntil === null) return false;
  return state.lockedUntil === LOCKED_UNTIL_UNLOCKED || state.lockedUntil > now;
}

/** Records one failed attempt; returns the next state and whether this failure caused a lock. */
export function recordFailure(
  state: LockoutState,
  policy: LockoutPolicy,
  now: number,
): { state: LockoutState; lockedNow: boolean } {
  const consecutiveFailures = state.consecutiveFailures + 1;
  const inWindow = now - state.windowStart < policy.resetCountInSeconds;
  const windowStart = inWindow ? state.windowStart : now;
  const windowFailures = inWindow ? state.windowFailures + 1 : 1;
  const wasLocked = isLocked(state, now);
  let lockedUntil = wasLocked ? state.lockedUntil : null;
  let lockedReason = wasLocked ? state.lockedReason : null;
  if (consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
    lockedUntil = LOCKED_UNTIL_UNLOCKED;
    lockedReason = "consecutive_failures";
  } else if (!wasLocked && windowFailures >= policy.tooManyAttempts) {
    lockedUntil = now + policy.lockSeconds;
    lockedReason = "too_many_attempts";
  }
  const next: LockoutState = {
    consecutiveFailures,
    // A lock starts a fresh window, so the next lock needs another full set of failures.
    windowStart: lockedReason && !wasLocked ? now : windowStart,
    windowFailures: lockedReason && !wasLocked ? 0 : windowFailures,
    lockedUntil,
    lockedReason,
  };
  return { state: next, lockedNow: !wasLocked && isLocked(next, now) };
}

/** A success clears every counter (the only way the consecutive counter goes down). */
export function recordSuccess(): LockoutState {
  return { ...INITIAL_LOCKOUT_STATE };
}

/** Administrator unlock: lifts the lock and clears the counters. */
export function unlock(): LockoutState {
  return { ...INITIAL_LOCKOUT_STATE };
}

/** The `actions` array of FusionAuth's 409 answer, describing the lock. */
export function lockActions(state: LockoutState): Array<Record<string, unknown>> {
  const expiry =
    state.lockedUntil === LOCKED_UNTIL_UNLOCKED || state.lockedUntil === null ? undefined : state.lockedUntil * 1000;
  return [
    {
      actionId: "00000000-0000-0000-0000-00000000f4a1",
      name: "Prevent login",
      localizedName: "Prevent login",
      reasonCode: state.lockedReason === "consecutive_failures" ? "ConsecutiveFailures" : "TooManyAttempts",
      reason: "Too many failed authentication attempts",
      localizedReason: "Too many failed authentication attempts",
      ...(expiry === undefined ? {} : { expiry }),
    },
  ];
}
