/**
 * Test support for events and alerts: run a user's UserGuard alarm now (the outbox flush), read the
 * events API, and the security notices in the dev outbox.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { call } from "./mfa.ts";
import { fullOutbox, isNotice, type OutboxEntry } from "./oob.ts";

export function guardStub(tenantId: string, userId: string) {
  return env.USER_GUARD.get(env.USER_GUARD.idFromName(`${tenantId}:${userId}`));
}

/** Runs the user's pending alarm (if any) now; answers whether one ran. */
export async function flushEvents(tenantId: string, userId: string): Promise<boolean> {
  return runDurableObjectAlarm(guardStub(tenantId, userId));
}

export async function eventsOf(key: string, userId: string, type?: string): Promise<Array<Record<string, any>>> {
  const r = await call("GET", `/api/event?userId=${userId}&limit=100${type ? `&type=${type}` : ""}`, { key });
  if (r.status !== 200) throw new Error(`events: ${r.status} ${r.text}`);
  return r.body.events.map((e: { event: Record<string, any> }) => e.event);
}

/** Security notices (not code messages) sent to `to`, newest first. */
export async function alertsTo(to: string): Promise<OutboxEntry[]> {
  return (await fullOutbox(to)).filter(isNotice);
}
