/**
 * First-factor outcomes inside the UserGuard: a login that needs no second factor (refused while
 * locked, else remembered in the history), and a wrong password, for a known user or for an
 * unknown login id's stand-in guard.
 */
import type { LockoutPolicy } from "../../domain/lockout.ts";
import { assessRisk } from "../../domain/risk.ts";
import { loginHistory, recordLogin, type EventContext } from "./guard-events.ts";
import { STAND_IN_EXPIRES_KEY } from "./keys.ts";
import { countFailure, lockedNow } from "./lock.ts";
import type { FailureVerdict, LockVerdict, LoginContext } from "./user-guard-types.ts";

type Kv = SyncKvStorage;

/**
 * How long a stand-in guard outlives its last failure: a day, so it answers exactly like a real
 * user's guard through any attempt sequence with gaps under a day (a window lock, the 100-failure
 * cap reached within hours), while sprayed login ids cost at most a day of storage each.
 */
const STAND_IN_RETENTION_SECONDS = 86_400;

/** A login that needs no second factor: refused while locked, else remembered (history, events). */
export function checkLock(kv: Kv, now: number, login: LoginContext | undefined): LockVerdict {
  const locked = lockedNow(kv, now);
  if (locked || !login) return locked ?? { status: "ok" };
  const risk = assessRisk(loginHistory(kv), login.signals, now);
  recordLogin(kv, login.ev, login.signals, risk, now, login.authenticationType, false);
  return { status: "ok" };
}

/** A failed first factor (wrong password) counts toward the same account lock. */
export function recordFailedPassword(
  kv: Kv,
  policy: LockoutPolicy,
  now: number,
  ev: EventContext | undefined,
): FailureVerdict {
  return lockedNow(kv, now) ?? countFailure(kv, policy, now, { ctx: ev ?? null, kind: "password" });
}

/**
 * A wrong password for an unknown login id, counted in a stand-in guard exactly as for a user (so
 * the answers and the work match, no enumeration). Answers the verdict and when (ms) the stand-in
 * must erase itself: STAND_IN_RETENTION_SECONDS after its last failure, so login ids sprayed by an
 * attacker leave no storage behind for long.
 */
export function recordStandInFailure(
  kv: Kv,
  policy: LockoutPolicy,
  now: number,
): { verdict: FailureVerdict; eraseAt: number } {
  const verdict = recordFailedPassword(kv, policy, now, undefined);
  const eraseAt = (now + STAND_IN_RETENTION_SECONDS) * 1000;
  kv.put(STAND_IN_EXPIRES_KEY, eraseAt);
  return { verdict, eraseAt };
}
