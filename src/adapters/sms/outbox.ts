/** The development SMS "provider": stores the message in the DevOutbox Durable Object (GET /dev/outbox). */
import type { OutboxStore } from "../mail/outbox.ts";
import type { SmsSender } from "./types.ts";

export function createOutboxSmsSender(o: { store: OutboxStore; from: string; now: () => number }): SmsSender {
  return {
    provider: "outbox",
    async send(msg) {
      const id = await o.store.add({
        channel: "sms",
        to: msg.to,
        from: o.from,
        subject: null,
        body: msg.body,
        html: null,
        time: new Date(o.now() * 1000).toISOString(),
      });
      return { ok: true, id };
    },
  };
}
