/**
 * Test support for webhooks: the local listener (test/setup/webhook-listener.mjs), the tenant's
 * WebhookDispatcher and events to feed it.
 *
 * Determinism: `enqueue` sets an alarm for "now", which workerd would fire by itself and race the
 * test. `enqueueHeld` enqueues and cancels that alarm inside the object before any other event can
 * run, and `runDue` then runs the alarm handler on the test's schedule. Retries are scheduled
 * seconds ahead, so `runDurableObjectAlarm` drives them without racing anything.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { buildEvent, type EdgeEvent, type EventType } from "../../src/domain/events.ts";
import type { WebhookDispatcher } from "../../src/objects/webhook-dispatcher.ts";
import { api } from "../helpers.ts";

const LISTENER: string = (env as unknown as { WEBHOOK_LISTENER_URL: string }).WEBHOOK_LISTENER_URL;

export type Received = {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
  time: number;
};

/** A unique listener path under `kind` (ok, fail-first, always-500, hang, redirect). */
export function listenerPath(kind: string): string {
  return `/${kind}/${crypto.randomUUID()}`;
}

export function listenerUrl(path: string): string {
  return `${LISTENER}${path}`;
}

/** What the listener recorded for `path`, oldest first. */
export async function received(path: string): Promise<Received[]> {
  const res = await fetch(`${LISTENER}/__received?path=${encodeURIComponent(path)}`);
  return (await res.json()) as Received[];
}

export function dispatcher(tenantId: string): DurableObjectStub<WebhookDispatcher> {
  return env.WEBHOOK_DISPATCHER.get(env.WEBHOOK_DISPATCHER.idFromName(`webhooks:${tenantId}`));
}

/** Enqueues and cancels the immediate alarm before it can fire; returns the time it was set for (null: nothing queued). */
export function enqueueHeld(stub: DurableObjectStub<WebhookDispatcher>, events: EdgeEvent[]): Promise<number | null> {
  return runInDurableObject(stub, async (instance: WebhookDispatcher, state) => {
    await instance.enqueue(events);
    const at = await state.storage.getAlarm();
    await state.storage.deleteAlarm();
    return at;
  });
}

/** Runs the alarm handler now, as the platform would at the scheduled time. */
export function runDue(stub: DurableObjectStub<WebhookDispatcher>): Promise<void> {
  return runInDurableObject(stub, (instance: WebhookDispatcher) => instance.alarm());
}

export function scheduledAlarm(stub: DurableObjectStub<WebhookDispatcher>): Promise<number | null> {
  return runInDurableObject(stub, (_: WebhookDispatcher, state) => state.storage.getAlarm());
}

export function event(tenantId: string, type: EventType = "user.login.success"): EdgeEvent {
  return buildEvent(
    {
      type,
      tenantId,
      info: { ipAddress: "203.0.113.9", userAgent: "test" },
      user: { id: crypto.randomUUID(), email: "a@example.com" },
    },
    Math.floor(Date.now() / 1000),
  );
}

/** Creates a webhook through the API; returns its JSON (with the secret) . */
export async function createWebhook(
  key: string,
  fields: Record<string, unknown> = {},
): Promise<{ id: string; secret: string; json: any }> {
  const r = await api("/api/webhook", {
    method: "POST",
    key,
    body: {
      webhook: { url: listenerUrl(listenerPath("ok")), eventsEnabled: { "user.login.success": true }, ...fields },
    },
  });
  if (r.status !== 200) throw new Error(`createWebhook: ${r.status} ${r.text}`);
  return { id: r.json.webhook.id, secret: r.json.webhook.signatureConfiguration.secret, json: r.json.webhook };
}

/** The delivery log through the API. */
export async function deliveries(key: string, webhookId: string): Promise<any[]> {
  const r = await api(`/api/webhook/${webhookId}/delivery`, { key });
  if (r.status !== 200) throw new Error(`deliveries: ${r.status} ${r.text}`);
  return r.json.deliveries;
}
