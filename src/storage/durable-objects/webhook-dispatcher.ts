/**
 * WebhookDispatcher: one Durable Object per tenant. A durable queue of webhook deliveries, sent from
 * alarms and retried with backoff. (Skeleton: the implementation lands with the webhook work.)
 */
import { DurableObject } from "cloudflare:workers";
import type { EdgeEvent } from "../../domain/events.ts";

export class WebhookDispatcher extends DurableObject<Env> {
  /** Queues `events` for every webhook of the tenant that subscribes to their type. Idempotent per (webhook, event id). */
  async enqueue(_events: EdgeEvent[]): Promise<void> {}
}
