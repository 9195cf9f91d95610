/**
 * WebhookDispatcher: one Durable Object per tenant (`idFromName(\`webhooks:${tenantId}\`)`), a durable
 * queue of signed webhook deliveries sent from alarms and retried with backoff (docs/webhooks.md).
 *
 * State: one KV entry per queued (webhook, event) — `task:<webhookId>:<eventId>` → DeliveryTask —
 * plus `alarm-at`, the time the current alarm was set for. D1 `webhook_deliveries` is the log the
 * API reads; the KV task is the source of truth, and the log is written after it, best effort.
 *
 * Guarantees: at-least-once delivery per (webhook, event); enqueuing the same event again does not
 * send it again (the KV task, then the log row's unique index, dedupe it); every attempt carries
 * the same event id; different webhooks are independent. The secret is read from D1 at send time,
 * so a rotation or a deletion applies to queued retries too.
 * Must never: throw out of alarm() for a failed delivery (the platform would re-run the whole
 * batch), log a secret, a body or a response.
 *
 * It builds no dependencies: `defineWebhookDispatcher` receives them from the composition root
 * (src/services/container.ts `webhookDispatcherDeps`).
 */
import { DurableObject } from "cloudflare:workers";
import { and, eq, inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { randomBytes, type EncryptionKeyring } from "../domain/crypto.ts";
import type { EdgeEvent } from "../domain/events.ts";
import { nextAttempt } from "../domain/webhook-backoff.ts";
import type { DeliveryOutcome, DeliveryRequest } from "../adapters/webhook-send.ts";
import { openWebhookSecret, subscribes, type WebhookSettings } from "../domain/webhooks.ts";
import { type schema, webhookDeliveries, webhooks } from "../storage/d1/schema.ts";
import { WEBHOOK_ALARM_AT_KEY, WEBHOOK_TASK_PREFIX, webhookTaskKey } from "../storage/durable-objects/keys.ts";

export type DeliveryTask = {
  /** The `webhook_deliveries` row id. */
  deliveryId: string;
  tenantId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  /** `JSON.stringify({event})`: the exact bytes signed and sent on every attempt. */
  body: string;
  /** Attempts made so far. */
  attempts: number;
  /** Milliseconds since the epoch. */
  nextAttemptAt: number;
};

type HookRow = { id: string; url: string; tenantId: string; secretEnc: string; settings: Record<string, unknown> };

/** Sends per alarm; the rest stay due and the next alarm follows at once. Bounds one alarm's work. */
const MAX_SENDS_PER_ALARM = 50;

const seconds = (ms: number) => Math.floor(ms / 1000);

/** A uniform draw from [0, 1) for the backoff jitter, from the platform CSPRNG. */
function jitter(): number {
  return new DataView(randomBytes(4).buffer).getUint32(0) / 2 ** 32;
}

/** What the dispatcher needs from outside, built once per object by the composition root. */
export type WebhookDispatcherDeps = {
  /** Opens the webhooks' signing secrets. */
  keyring: EncryptionKeyring;
  db: DrizzleD1Database<typeof schema>;
  /** Signs and sends one delivery (src/adapters/webhook-send.ts, with the environment's URL policy). */
  send: (request: DeliveryRequest) => Promise<DeliveryOutcome>;
};

export function defineWebhookDispatcher(depsOf: (env: Env) => WebhookDispatcherDeps) {
  return class WebhookDispatcher extends DurableObject<Env> {
    readonly #kv = this.ctx.storage.kv;
    #deps: WebhookDispatcherDeps | undefined;

    #use(): WebhookDispatcherDeps {
      this.#deps ??= depsOf(this.env);
      return this.#deps;
    }

    /** Queues `events` for every webhook of their tenant that subscribes to their type. Idempotent per (webhook, event id). */
    async enqueue(events: EdgeEvent[]): Promise<void> {
      if (events.length === 0) return;
      const tenantIds = [...new Set(events.map((e) => e.tenantId))];
      const hooks = await this.#use()
        .db.select({ id: webhooks.id, tenantId: webhooks.tenantId, settings: webhooks.settings })
        .from(webhooks)
        .where(inArray(webhooks.tenantId, tenantIds));
      const now = Date.now();
      const fresh: DeliveryTask[] = [];
      for (const event of events) {
        for (const hook of hooks) {
          if (hook.tenantId !== event.tenantId || !subscribes(hook.settings as WebhookSettings, event.type)) continue;
          if (
            this.#kv.get(webhookTaskKey(hook.id, event.id)) !== undefined ||
            fresh.some((t) => t.webhookId === hook.id && t.eventId === event.id)
          )
            continue;
          const body = JSON.stringify({ event });
          fresh.push({
            deliveryId: crypto.randomUUID(),
            tenantId: event.tenantId,
            webhookId: hook.id,
            eventId: event.id,
            eventType: event.type,
            body,
            attempts: 0,
            nextAttemptAt: now,
          });
        }
      }
      if (fresh.length === 0) return;
      const queued = await this.#logQueued(fresh, tenantIds, now);
      if (queued.length === 0) return;
      for (const t of queued) this.#kv.put(webhookTaskKey(t.webhookId, t.eventId), t);
      const current = await this.ctx.storage.getAlarm();
      if (current === null || current > now) await this.#setAlarm(now);
    }

    /**
     * Inserts the log rows (ON CONFLICT DO NOTHING) and returns the tasks to queue: the new ones, and
     * those whose row exists but is still pending without a task (a crash between the two writes).
     * Rows that already succeeded or failed mean the event was delivered or given up: not again.
     */
    async #logQueued(fresh: DeliveryTask[], tenantIds: string[], now: number): Promise<DeliveryTask[]> {
      const rows = fresh.map((t) => ({
        id: t.deliveryId,
        tenantId: t.tenantId,
        webhookId: t.webhookId,
        eventId: t.eventId,
        eventType: t.eventType,
        status: "pending" as const,
        attempts: 0,
        nextAttemptAt: seconds(now),
        createdAt: seconds(now),
        updatedAt: seconds(now),
      }));
      const [first, ...rest] = rows.map((r) =>
        this.#use()
          .db.insert(webhookDeliveries)
          .values(r)
          .onConflictDoNothing()
          .returning({ id: webhookDeliveries.id }),
      );
      const inserted = new Set((await this.#use().db.batch([first!, ...rest])).flat().map((r) => r.id));
      const out = fresh.filter((t) => inserted.has(t.deliveryId));
      const conflicted = fresh.filter((t) => !inserted.has(t.deliveryId));
      if (conflicted.length > 0) {
        const existing = await this.#use()
          .db.select()
          .from(webhookDeliveries)
          .where(
            and(
              inArray(webhookDeliveries.tenantId, tenantIds),
              inArray(webhookDeliveries.eventId, [...new Set(conflicted.map((t) => t.eventId))]),
            ),
          );
        for (const t of conflicted) {
          const row = existing.find((r) => r.webhookId === t.webhookId && r.eventId === t.eventId);
          if (row?.status === "pending") out.push({ ...t, deliveryId: row.id, attempts: row.attempts });
        }
      }
      return out;
    }

    override async alarm(): Promise<void> {
      // An alarm never fires early in production; a test that runs it early (runDurableObjectAlarm)
      // means "the scheduled time has come", so tasks due by then are sent.
      const cutoff = Math.max(Date.now(), (this.#kv.get(WEBHOOK_ALARM_AT_KEY) as number | undefined) ?? 0);
      const due = [...this.#kv.list<DeliveryTask>({ prefix: WEBHOOK_TASK_PREFIX })]
        .map(([, t]) => t)
        .filter((t) => t.nextAttemptAt <= cutoff)
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
        .slice(0, MAX_SENDS_PER_ALARM);
      if (due.length > 0) {
        const ids = [...new Set(due.map((t) => t.webhookId))];
        const hooks = new Map<string, HookRow>();
        for (const h of await this.#use().db.select().from(webhooks).where(inArray(webhooks.id, ids)))
          hooks.set(h.id, h);
        const secrets = new Map<string, Promise<string | null>>();
        const secretOf = (h: HookRow) => {
          if (!secrets.has(h.id))
            secrets.set(
              h.id,
              openWebhookSecret(this.#use().keyring, h).catch(() => null),
            );
          return secrets.get(h.id)!;
        };
        await Promise.all(
          due.map(async (task) => {
            const hook = hooks.get(task.webhookId);
            // Deleted meanwhile: its log rows went with it (ON DELETE CASCADE); drop the task.
            if (!hook) return this.#kv.delete(webhookTaskKey(task.webhookId, task.eventId));
            return this.#attempt(task, hook, await secretOf(hook));
          }),
        );
      }
      await this.#reschedule();
    }

    /** One attempt of one task; records the outcome. Never throws. */
    async #attempt(task: DeliveryTask, hook: HookRow, secret: string | null): Promise<void> {
      const attempt = task.attempts + 1;
      const settings = hook.settings as WebhookSettings;
      const outcome: DeliveryOutcome =
        secret === null
          ? { ok: false, statusCode: null, error: "signing secret unavailable" }
          : await this.#use()
              .send({
                url: hook.url,
                headers: settings.headers ?? {},
                timeoutMs: settings.readTimeout ?? 5000,
                secret,
                body: task.body,
                eventId: task.eventId,
                attempt,
                now: seconds(Date.now()),
              })
              .catch((): DeliveryOutcome => ({ ok: false, statusCode: null, error: "send failed" }));
      const now = Date.now();
      const key = webhookTaskKey(task.webhookId, task.eventId);
      const next = outcome.ok || outcome.permanent ? null : nextAttempt(attempt, now, jitter());
      if (next?.kind === "retry")
        this.#kv.put(key, { ...task, attempts: attempt, nextAttemptAt: next.at } satisfies DeliveryTask);
      else this.#kv.delete(key);
      const status = outcome.ok ? "succeeded" : next?.kind === "retry" ? "pending" : "failed";
      try {
        await this.#use()
          .db.update(webhookDeliveries)
          .set({
            status,
            attempts: attempt,
            lastStatusCode: outcome.statusCode,
            lastError: outcome.ok ? null : outcome.error,
            nextAttemptAt: next?.kind === "retry" ? seconds(next.at) : null,
            updatedAt: seconds(now),
          })
          .where(eq(webhookDeliveries.id, task.deliveryId));
      } catch (err) {
        // The KV task already records the truth; a stale log row is the lesser harm than a re-send.
        console.error(
          JSON.stringify({
            level: "error",
            msg: "webhook delivery log update failed",
            error: err instanceof Error ? err.name : "unknown",
          }),
        );
      }
    }

    /** Points the alarm at the earliest queued task, or clears it when the queue is empty. */
    async #reschedule(): Promise<void> {
      let earliest = Infinity;
      for (const [, t] of this.#kv.list<DeliveryTask>({ prefix: WEBHOOK_TASK_PREFIX }))
        earliest = Math.min(earliest, t.nextAttemptAt);
      if (earliest === Infinity) {
        this.#kv.delete(WEBHOOK_ALARM_AT_KEY);
        await this.ctx.storage.deleteAlarm();
      } else {
        await this.#setAlarm(earliest);
      }
    }

    async #setAlarm(at: number): Promise<void> {
      this.#kv.put(WEBHOOK_ALARM_AT_KEY, at);
      await this.ctx.storage.setAlarm(at);
    }
  };
}

export type WebhookDispatcher = InstanceType<ReturnType<typeof defineWebhookDispatcher>>;
