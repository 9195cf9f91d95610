/** The development SMS "provider": stores the message in the DevOutbox Durable Object (GET /dev/outbox). */
import { type OutboxStore, storeInOutbox } from "../outbox.ts";
import type { SmsSender } from "./types.ts";

export function createOutboxSmsSender(o: { store: OutboxStore; from: string; now: () => number }): SmsSender {
  return {
    provider: "outbox",
    send: (msg) =>
      storeInOutbox(o, { channel: "sms", to: msg.to, from: o.from, subject: null, body: msg.body, html: null }),
  };
}
