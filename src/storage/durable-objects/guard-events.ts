/**
 * The UserGuard's event outbox, alert window and login history. Events are written in the same
 * synchronous commit as the decision they describe (a lock, a completion, a failure), so an event
 * exists exactly when its decision does; the object's alarm then hands them to D1, the tenant's
 * webhooks and the user's inbox (src/services/event-flush.ts). Nothing here awaits anything.
 *
 * Keys: `e:<instant>:<id>` pending events, `alert-window` the failed-attempt window,
 * `login-history` the devices, countries and last location of successful logins.
 */
import { noteFailedAttempt, type AlertPolicy, type AlertWindow } from "../../domain/alerting.ts";
import { buildEvent, type EdgeEvent, type EventDraft, type EventInfo } from "../../domain/events.ts";
import {
  EMPTY_HISTORY,
  rememberLogin,
  type LoginHistory,
  type LoginSignals,
  type RiskAssessment,
} from "../../domain/risk.ts";
import type { AlertKind } from "../../domain/alert-message.ts";
import { alertRecipients, type AlertRecipients } from "../../domain/alert-recipients.ts";
import { ALERT_WINDOW_KEY, HISTORY_KEY, OUTBOX_PREFIX } from "./keys.ts";

type Kv = SyncKvStorage;

/** Who and where, for the events a guard call may cause. The worker knows the tenant and user. */
export type EventContext = {
  tenantId: string;
  userId: string;
  info: EventInfo;
  user?: Record<string, unknown>;
  applicationId?: string | null;
};

/**
 * A notification to send with an event (src/domain/alert-message.ts renders it). `to` is fixed when
 * the event is queued; an entry without it (queued before it existed, or without user JSON) is
 * addressed at send time.
 */
export type OutboxAlert = {
  kind: AlertKind;
  factor?: string | null;
  failures?: number;
  lockedUntil?: number | null;
  methodName?: string | null;
  changes?: string[] | null;
  to?: AlertRecipients;
};

export type OutboxEntry = {
  event: EdgeEvent;
  alert?: OutboxAlert;
  attempts: number;
  sent?: { email?: boolean; sms?: boolean };
};

/** Pending events are flushed at least this long after the first one, so a burst travels in one flush. */
export const FLUSH_DELAY_MS = 2000;
/**
 * Plus a uniform draw from [0, FLUSH_JITTER_MS): many users' completions in one moment (a login wave,
 * a load test) would otherwise schedule their flushes for one moment 2 s later, a synchronised burst
 * of D1 writes that requests then queue behind. Events reach the events API and webhooks 2–5 s
 * after their decision.
 */
export const FLUSH_JITTER_MS = 3000;

export function queueEvent(
  kv: Kv,
  ctx: Pick<EventContext, "tenantId" | "info" | "user" | "applicationId">,
  draft: Omit<EventDraft, "tenantId" | "info">,
  now: number,
  alert?: OutboxAlert,
): EdgeEvent {
  const event = buildEvent(
    {
      tenantId: ctx.tenantId,
      info: ctx.info,
      ...(ctx.user ? { user: ctx.user } : {}),
      ...(ctx.applicationId ? { applicationId: ctx.applicationId } : {}),
      ...draft,
    } as EventDraft,
    now,
  );
  const addressed = alert && !alert.to && ctx.user ? { ...alert, to: alertRecipients(ctx.user) } : alert;
  const entry: OutboxEntry = addressed ? { event, alert: addressed, attempts: 0 } : { event, attempts: 0 };
  kv.put(`${OUTBOX_PREFIX}${String(event.createInstant).padStart(15, "0")}:${event.id}`, entry);
  return event;
}

export function pendingEvents(kv: Kv, limit: number): Array<[string, OutboxEntry]> {
  return [...kv.list<OutboxEntry>({ prefix: OUTBOX_PREFIX, limit })];
}

export function hasPendingEvents(kv: Kv): boolean {
  return pendingEvents(kv, 1).length > 0;
}

/** Counts a failed second-factor attempt in the alert window; true for the one failure that alerts. */
export function noteAlertWindow(
  kv: Kv,
  policy: AlertPolicy | undefined,
  now: number,
): { failures: number; alertNow: boolean } {
  if (!policy) return { failures: 0, alertNow: false };
  const { window, alertNow } = noteFailedAttempt(kv.get(ALERT_WINDOW_KEY) as AlertWindow | undefined, policy, now);
  kv.put(ALERT_WINDOW_KEY, window);
  return { failures: window.failures, alertNow };
}

export function loginHistory(kv: Kv): LoginHistory {
  return (kv.get(HISTORY_KEY) as LoginHistory | undefined) ?? EMPTY_HISTORY;
}

/** A successful login: remembered, and announced when it came from a new device or country. */
export function recordLogin(
  kv: Kv,
  ctx: EventContext,
  signals: LoginSignals,
  risk: RiskAssessment,
  now: number,
  authenticationType: string,
  alreadyAlerted: boolean,
): void {
  kv.put(HISTORY_KEY, rememberLogin(loginHistory(kv), signals, now));
  queueEvent(kv, ctx, { type: "user.login.success", authenticationType }, now);
  if (risk.firstLogin || (!risk.newDevice && !risk.newCountry)) return;
  const alert: OutboxAlert | undefined = alreadyAlerted
    ? undefined
    : { kind: risk.newCountry ? "new_country" : "new_device" };
  queueEvent(kv, ctx, { type: "user.login.new-device", authenticationType, threatsDetected: risk.threats }, now, alert);
}
