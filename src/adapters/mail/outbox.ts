/** The development mail "provider": stores the message in the DevOutbox Durable Object (GET /dev/outbox). */
import type { OutboxInput } from "../../objects/dev-outbox.ts";
import type { MailSender } from "./types.ts";

export type OutboxStore = { add(m: OutboxInput): Promise<string> };

export function createOutboxMailSender(o: { store: OutboxStore; now: () => number }): MailSender {
  return {
    provider: "outbox",
    async send(msg) {
      const id = await o.store.add({
        channel: "email",
        to: msg.to,
        from: msg.from,
        subject: msg.subject,
        body: msg.text,
        html: msg.html ?? null,
        time: new Date(o.now() * 1000).toISOString(),
      });
      return { ok: true, id };
    },
  };
}
