/**
 * The UserGuard's alarm work: pending events go to D1 (the events API), to the tenant's webhook
 * dispatcher and, when they carry an alert, to the user by email (and SMS). Every step is
 * idempotent by event id, so an entry is simply retried until it has gone everywhere:
 * D1 ignores a known id, the dispatcher a known (webhook, event) pair, and an alert remembers
 * which channels already went out. A failing step is retried with backoff (30 s doubling, at most
 * an hour apart; 12 attempts span about 5 h 4 min) and then dropped with a log line; it never touches the lock, the
 * counters or a challenge.
 */
import type { EdgeEvent } from "../../domain/events.ts";
import { pendingEvents, type OutboxAlert, type OutboxEntry } from "./guard-events.ts";

type Kv = SyncKvStorage;

export type AlertSent = { email?: boolean; sms?: boolean };

export type FlushDeps = {
  /**
   * Stores events for the events API (insert, ignoring known ids); answers those that a webhook of
   * their tenant subscribes to (only they go to the dispatcher), or undefined to hand all of them on.
   */
  storeEvents(events: EdgeEvent[]): Promise<EdgeEvent[] | undefined>;
  /** Hands events to the tenant's WebhookDispatcher (idempotent per webhook and event). */
  enqueueWebhooks(tenantId: string, events: EdgeEvent[]): Promise<void>;
  /** Sends an alert on the channels not yet sent; answers what has gone out and whether it is finished. Never throws. */
  sendAlert(event: EdgeEvent, alert: OutboxAlert, sent: AlertSent): Promise<{ sent: AlertSent; done: boolean }>;
};

/** Attempts per entry before it is dropped (logged). */
export const MAX_FLUSH_ATTEMPTS = 12;
const BATCH = 100;

/** Delay before the next try of entries that failed `attempts` times: 30 s, 60 s, … capped at 1 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

/** Flushes up to one batch; answers the delay (ms) for the next alarm, or null when nothing is left. */
export async function flushOutbox(kv: Kv, deps: FlushDeps): Promise<number | null> {
  const entries = pendingEvents(kv, BATCH);
  if (!entries.length) return null;
  const events = entries.map(([, e]) => e.event);
  try {
    const hooked = (await deps.storeEvents(events)) ?? events;
    for (const [tenantId, group] of groupByTenant(hooked)) await deps.enqueueWebhooks(tenantId, group);
  } catch (err) {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "event flush failed",
        error: String((err as Error)?.message ?? err).slice(0, 200),
        pending: entries.length,
      }),
    );
    for (const [key, entry] of entries) retryOrDrop(kv, key, entry, entry.sent);
    return retryDelayMs(Math.max(...entries.map(([, e]) => e.attempts + 1)));
  }
  let failedAttempts = 0;
  for (const [key, entry] of entries) {
    if (!entry.alert) {
      kv.delete(key);
      continue;
    }
    const out = await deps.sendAlert(entry.event, entry.alert, entry.sent ?? {});
    if (out.done) kv.delete(key);
    else {
      failedAttempts = Math.max(failedAttempts, entry.attempts + 1);
      retryOrDrop(kv, key, entry, out.sent);
    }
  }
  if (pendingEvents(kv, 1).length === 0) return null;
  return failedAttempts ? retryDelayMs(failedAttempts) : 0;
}

function retryOrDrop(kv: Kv, key: string, entry: OutboxEntry, sent: AlertSent | undefined): void {
  const attempts = entry.attempts + 1;
  if (attempts >= MAX_FLUSH_ATTEMPTS) {
    kv.delete(key);
    console.error(
      JSON.stringify({
        level: "error",
        msg: "event dropped after retries",
        eventId: entry.event.id,
        type: entry.event.type,
        alert: entry.alert?.kind ?? null,
      }),
    );
    return;
  }
  kv.put(key, { ...entry, attempts, ...(sent ? { sent } : {}) });
}

function groupByTenant(events: EdgeEvent[]): Map<string, EdgeEvent[]> {
  const out = new Map<string, EdgeEvent[]>();
  for (const e of events) out.set(e.tenantId, [...(out.get(e.tenantId) ?? []), e]);
  return out;
}
