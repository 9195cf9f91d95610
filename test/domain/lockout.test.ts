/** Lockout decisions (pure): FusionAuth's window lock plus NIST's consecutive-failure cap. */
import { describe, expect, it } from "vitest";
import {
  INITIAL_LOCKOUT_STATE,
  isLocked,
  LOCKED_UNTIL_UNLOCKED,
  lockActions,
  MAX_CONSECUTIVE_FAILURES,
  recordFailure,
  recordSuccess,
  type LockoutState,
} from "../../src/domain/lockout.ts";

const policy = { tooManyAttempts: 5, resetCountInSeconds: 60, lockSeconds: 180 };

function failN(n: number, start: LockoutState, t0: number, gap = 1) {
  let s = start;
  let locks = 0;
  for (let i = 0; i < n; i++) {
    const r = recordFailure(s, policy, t0 + i * gap);
    s = r.state;
    if (r.lockedNow) locks++;
  }
  return { s, locks };
}

describe("lockout", () => {
  it("locks on the tooManyAttempts-th failure inside the window, for the action duration", () => {
    const { s, locks } = failN(5, INITIAL_LOCKOUT_STATE, 1000);
    expect(locks).toBe(1);
    expect(isLocked(s, 1004)).toBe(true);
    expect(isLocked(s, 1004 + 180)).toBe(false);
    expect(lockActions(s)[0]).toMatchObject({ reasonCode: "TooManyAttempts", expiry: (1004 + 180) * 1000 });
  });

  it("failures spread wider than the window do not lock", () => {
    const { s, locks } = failN(20, INITIAL_LOCKOUT_STATE, 1000, 61);
    expect(locks).toBe(0);
    expect(isLocked(s, 1000 + 20 * 61)).toBe(false);
    expect(s.consecutiveFailures).toBe(20);
  });

  it("the consecutive counter ignores time and locks until unlocked at the NIST cap", () => {
    const { s } = failN(MAX_CONSECUTIVE_FAILURES, INITIAL_LOCKOUT_STATE, 1000, 61);
    expect(s.lockedUntil).toBe(LOCKED_UNTIL_UNLOCKED);
    expect(isLocked(s, 10 ** 12)).toBe(true);
    expect(lockActions(s)[0]).toMatchObject({ reasonCode: "ConsecutiveFailures" });
    expect(lockActions(s)[0]!.expiry).toBeUndefined();
  });

  it("only a success resets the consecutive counter", () => {
    const { s } = failN(7, INITIAL_LOCKOUT_STATE, 1000, 61);
    expect(s.consecutiveFailures).toBe(7);
    expect(recordSuccess()).toEqual(INITIAL_LOCKOUT_STATE);
  });

  it("failures while locked keep counting but do not extend the lock", () => {
    const first = failN(5, INITIAL_LOCKOUT_STATE, 1000);
    const until = first.s.lockedUntil;
    const more = recordFailure(first.s, policy, 1010);
    expect(more.lockedNow).toBe(false);
    expect(more.state.lockedUntil).toBe(until);
    expect(more.state.consecutiveFailures).toBe(6);
  });
});
