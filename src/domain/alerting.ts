/**
 * Failed-attempt alert windows (pure). The UserGuard keeps one window per user: the failure that
 * reaches `failedAttempts` inside `windowSeconds` raises the alert, and no other failure of that
 * window does, however many arrive and however they race (the object serialises them). The next
 * window starts with the first failure after the current one ends.
 */

export type AlertPolicy = { enabled: boolean; failedAttempts: number; windowSeconds: number };

export type AlertWindow = { start: number; failures: number; alerted: boolean };

export function noteFailedAttempt(
  window: AlertWindow | undefined,
  policy: AlertPolicy,
  now: number,
): { window: AlertWindow; alertNow: boolean } {
  const current =
    window && now - window.start < policy.windowSeconds ? window : { start: now, failures: 0, alerted: false };
  const failures = current.failures + 1;
  const alertNow = policy.enabled && !current.alerted && failures >= policy.failedAttempts;
  return { window: { start: current.start, failures, alerted: current.alerted || alertNow }, alertNow };
}
