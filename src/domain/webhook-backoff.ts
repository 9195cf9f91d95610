/**
 * Webhook retry schedule (pure): after failed attempt n the next one waits BASE·4^(n-1) seconds
 * (10 s, 40 s, 160 s, ~11 min, ~43 min, ~2.8 h, ~11.4 h) with ±20 % jitter, so endpoints that fail
 * together do not get retried in lockstep. After MAX_ATTEMPTS the delivery is `failed` (about 15 h
 * after the first attempt).
 *
 * Owns: the schedule. Must never: read the clock or the RNG (`now` and `jitter` are arguments).
 */

export const MAX_DELIVERY_ATTEMPTS = 8;
export const BASE_DELAY_SECONDS = 10;
const FACTOR = 4;
const JITTER = 0.2;

export type NextAttempt = { kind: "retry"; at: number } | { kind: "failed" };

/** The un-jittered wait after failed attempt `attempt` (1-based), in seconds. */
export function retryDelaySeconds(attempt: number): number {
  if (!Number.isSafeInteger(attempt) || attempt < 1) throw new RangeError("retryDelaySeconds: attempt must be ≥ 1");
  return BASE_DELAY_SECONDS * FACTOR ** (attempt - 1);
}

/**
 * What follows failed attempt `attempt` made at `nowMs`: a retry at a jittered time (milliseconds
 * since the epoch), or `failed` once MAX_DELIVERY_ATTEMPTS attempts were made. `jitter` is a
 * uniform draw from [0, 1) (0.5 means no jitter).
 */
export function nextAttempt(attempt: number, nowMs: number, jitter: number): NextAttempt {
  if (attempt >= MAX_DELIVERY_ATTEMPTS) return { kind: "failed" };
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError("nextAttempt: jitter must be in [0, 1)");
  const factor = 1 - JITTER + 2 * JITTER * jitter;
  return { kind: "retry", at: nowMs + Math.round(retryDelaySeconds(attempt) * factor * 1000) };
}
