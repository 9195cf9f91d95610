import { describe, expect, it } from "vitest";
import { noteFailedAttempt, type AlertPolicy, type AlertWindow } from "../../src/domain/alerting.ts";

const policy: AlertPolicy = { enabled: true, failedAttempts: 3, windowSeconds: 900 };

function run(times: number[], p = policy): boolean[] {
  let w: AlertWindow | undefined;
  return times.map((t) => {
    const r = noteFailedAttempt(w, p, t);
    w = r.window;
    return r.alertNow;
  });
}

describe("failed-attempt alert windows", () => {
  it("alerts exactly once, on the failure that reaches the threshold", () => {
    expect(run([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([
      false,
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("a window ends windowSeconds after its first failure; the next failure opens a new one", () => {
    expect(run([0, 1, 2, 899, 900, 901, 902])).toEqual([false, false, true, false, false, false, true]);
  });

  it("failures spread wider than the window never alert", () => {
    expect(run([0, 500, 1000, 1500, 2000])).toEqual([false, false, false, false, false]);
  });

  it("threshold 1 alerts on the first failure of each window; disabled never alerts", () => {
    expect(run([0, 1, 1000], { ...policy, failedAttempts: 1 })).toEqual([true, false, true]);
    expect(run([0, 1, 2, 3], { ...policy, enabled: false })).toEqual([false, false, false, false]);
  });

  it("does not mutate the window it is given", () => {
    const w: AlertWindow = { start: 0, failures: 2, alerted: false };
    noteFailedAttempt(w, policy, 1);
    expect(w).toEqual({ start: 0, failures: 2, alerted: false });
  });
});
