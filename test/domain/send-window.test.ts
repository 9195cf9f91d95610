/** The sliding-window counter behind every send cap (src/domain/send-window.ts). */
import { describe, expect, it } from "vitest";
import {
  EMPTY_WINDOW,
  refundWindow,
  takeFromWindow,
  windowCount,
  type WindowState,
} from "../../src/domain/send-window.ts";

const HOUR = 3600;
const T0 = 1_800_000_000 - (1_800_000_000 % HOUR); // an aligned window start

function takeN(n: number, limit: number, at: number, state: WindowState = EMPTY_WINDOW) {
  const results: boolean[] = [];
  let s = state;
  for (let i = 0; i < n; i++) {
    const r = takeFromWindow(s, limit, HOUR, at);
    results.push(r.ok);
    s = r.state;
  }
  return { results, state: s };
}

describe("takeFromWindow", () => {
  it("admits exactly `limit` sends in a window, then answers how long until one fits", () => {
    const { results, state } = takeN(6, 5, T0 + 100);
    expect(results).toEqual([true, true, true, true, true, false]);
    const refused = takeFromWindow(state, 5, HOUR, T0 + 100);
    // In the next window the 5 still weigh 5·(1 − x/3600); one fits once that is ≤ 4, 720 s in.
    expect(refused).toMatchObject({ ok: false, retryAfterSeconds: HOUR - 100 + 720 });
  });

  it("weights the previous window by its overlap: no burst of 2·limit across a boundary", () => {
    const { state } = takeN(5, 5, T0 + HOUR - 1);
    // Just after the boundary the previous window still counts almost fully.
    expect(takeFromWindow(state, 5, HOUR, T0 + HOUR + 1).ok).toBe(false);
    // A fifth of the way in, one fifth of it has decayed: exactly one more send fits.
    const { results } = takeN(2, 5, T0 + HOUR + HOUR / 5, state);
    expect(results).toEqual([true, false]);
  });

  it("retryAfter points at the instant the estimate leaves room (within the next window)", () => {
    const { state } = takeN(5, 5, T0 + 10);
    const r = takeFromWindow(state, 5, HOUR, T0 + HOUR + 1);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    // 5·(1 − x/3600) ≤ 4 ⇒ x ≥ 720 s into the next window.
    expect(r.retryAfterSeconds).toBe(720 - 1);
    expect(takeFromWindow(r.state, 5, HOUR, T0 + HOUR + 720).ok).toBe(true);
  });

  it("forgets everything after two idle windows", () => {
    const { state } = takeN(5, 5, T0);
    expect(windowCount(state, HOUR, T0 + 2 * HOUR)).toBe(0);
    expect(takeN(5, 5, T0 + 2 * HOUR, state).results).toEqual([true, true, true, true, true]);
  });
});

describe("refundWindow", () => {
  it("gives back a send of the current window, and of the previous one after a roll", () => {
    const a = takeFromWindow(EMPTY_WINDOW, 1, HOUR, T0 + 5);
    expect(a.ok).toBe(true);
    const back = refundWindow(a.state, T0, HOUR);
    expect(takeFromWindow(back, 1, HOUR, T0 + 6).ok).toBe(true);
    const rolled = { start: T0 + HOUR, current: 0, previous: 1 };
    expect(refundWindow(rolled, T0, HOUR)).toEqual({ start: T0 + HOUR, current: 0, previous: 0 });
    expect(refundWindow(EMPTY_WINDOW, T0, HOUR)).toEqual(EMPTY_WINDOW);
  });
});
