/**
 * Send caps over a sliding window (pure): the "sliding window counter". Two aligned fixed windows
 * are kept (the current one and the one before it); the count over the last `windowSeconds` is
 * estimated as `previous · (1 − elapsed/window) + current`. O(1) state, exact while the previous
 * window is empty, never more than `limit` sends in any aligned window, and no burst of 2·limit
 * across a boundary (the weakness of a plain fixed window).
 *
 * Owns: the arithmetic. Must never: read a clock (callers pass `now`, unix seconds) or store anything.
 */

export type WindowState = { start: number; current: number; previous: number };

export const EMPTY_WINDOW: WindowState = { start: 0, current: 0, previous: 0 };

export type TakeResult =
  | { ok: true; state: WindowState }
  | { ok: false; state: WindowState; retryAfterSeconds: number };

/** Moves the state to the aligned window that contains `now`. */
export function rollWindow(state: WindowState, windowSeconds: number, now: number): WindowState {
  const start = Math.floor(now / windowSeconds) * windowSeconds;
  if (start === state.start) return state;
  if (start - state.start === windowSeconds) return { start, current: 0, previous: state.current };
  return { start, current: 0, previous: 0 };
}

/** The estimated number of sends in the `windowSeconds` before `now`. */
export function windowCount(state: WindowState, windowSeconds: number, now: number): number {
  const s = rollWindow(state, windowSeconds, now);
  return s.previous * (1 - (now - s.start) / windowSeconds) + s.current;
}

/**
 * Takes one send if the estimate stays within `limit`; otherwise says how long until one fits
 * (whole seconds, at least 1), assuming nothing else is taken meanwhile.
 */
export function takeFromWindow(state: WindowState, limit: number, windowSeconds: number, now: number): TakeResult {
  const s = rollWindow(state, windowSeconds, now);
  const count = s.previous * (1 - (now - s.start) / windowSeconds) + s.current;
  if (count + 1 <= limit + 1e-9) return { ok: true, state: { ...s, current: s.current + 1 } };
  return { ok: false, state: s, retryAfterSeconds: Math.max(1, Math.ceil(nextFit(s, limit, windowSeconds) - now)) };
}

/** Gives back one send taken in the window starting at `windowStart` (a send that never happened). */
export function refundWindow(state: WindowState, windowStart: number, windowSeconds: number): WindowState {
  if (windowStart === state.start && state.current > 0) return { ...state, current: state.current - 1 };
  if (windowStart === state.start - windowSeconds && state.previous > 0)
    return { ...state, previous: state.previous - 1 };
  return state;
}

/** The earliest instant at which `count + 1 <= limit`, given no further sends. */
function nextFit(s: WindowState, limit: number, windowSeconds: number): number {
  const room = limit - 1;
  if (s.current <= room && s.previous > 0) {
    // Within this window the previous window's weight decays linearly.
    const t = s.start + windowSeconds * (1 - (room - s.current) / s.previous);
    if (t < s.start + windowSeconds) return t;
  }
  // In the next window only this window's count remains, decaying.
  if (s.current === 0) return s.start + windowSeconds;
  return s.start + windowSeconds + windowSeconds * Math.max(0, 1 - room / s.current);
}
