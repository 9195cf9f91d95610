/**
 * The UserGuard's alarm work: pending events go to D1 (the events API), to the tenant's webhook
 * dispatcher and, when they carry an alert, to the user by email (and SMS). Every step is
 * idempotent by event id, so an entry is simply retried until it has gone everywhere:
 * D1 ignores a known id, the dispatcher a known (webhook, event) pair, and an alert remembers
 * which channels already went out. A failing step is retried with backoff (30 s doubling, at most
 * an hour apart; 12 attempts span about 5 h 4 min) and then dropped with a log line; it never touches the lock, the
 * counters or a challenge.
 */
import { randomBytes } from "../../domain/crypto.ts";
import type { EdgeEvent } from "../../domain/events.ts";
import {
  FLUSH_DELAY_MS,
  FLUSH_JITTER_MS,
  hasPendingEvents,
  pendingEvents,
  type OutboxAlert,
  type OutboxEntry,
} from "./guard-events.ts";
import { FLUSH_AT_KEY, STAND_IN_EXPIRES_KEY } from "./keys.ts";

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

/**
 * After a commit: when events wait and no alarm is pending, one fires 2–5 s later (FLUSH_DELAY_MS +
 * jitter; once per burst, FLUSH_AT_KEY mirrors it).
 */
export async function scheduleFlush(storage: DurableObjectStorage): Promise<void> {
  const kv = storage.kv;
  if (kv.get(FLUSH_AT_KEY) !== undefined || !hasPendingEvents(kv)) return;
  const draw = new DataView(randomBytes(4).buffer).getUint32(0) / 2 ** 32;
  const at = Date.now() + FLUSH_DELAY_MS + Math.floor(draw * FLUSH_JITTER_MS);
  kv.put(FLUSH_AT_KEY, at);
  await storage.setAlarm(at);
}

/**
 * The UserGuard's alarm: hands pending events on (`flushOutbox`); a stand-in guard
 * (STAND_IN_EXPIRES_KEY) whose time has come erases itself instead.
 */
export async function runGuardAlarm(storage: DurableObjectStorage, deps: FlushDeps): Promise<void> {
  const kv = storage.kv;
  const expiresAt = kv.get(STAND_IN_EXPIRES_KEY) as number | undefined;
  if (expiresAt !== undefined) {
    if (expiresAt <= Date.now()) await storage.deleteAll();
    else await storage.setAlarm(expiresAt);
    return;
  }
  kv.delete(FLUSH_AT_KEY);
  const again = await flushOutbox(kv, deps);
  if (again !== null && kv.get(FLUSH_AT_KEY) === undefined) {
    kv.put(FLUSH_AT_KEY, Date.now() + again);
    await storage.setAlarm(Date.now() + again);
  }
}

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
