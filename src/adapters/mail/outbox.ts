/** The development mail "provider": stores the message in the DevOutbox Durable Object (GET /dev/outbox). */
import { type OutboxStore, storeInOutbox } from "../outbox.ts";
import type { MailSender } from "./types.ts";

export type { OutboxStore };

export function createOutboxMailSender(o: { store: OutboxStore; now: () => number }): MailSender {
  return {
    provider: "outbox",
    send: (msg) =>
      storeInOutbox(o, {
        channel: "email",
        to: msg.to,
        from: msg.from,
        subject: msg.subject,
        body: msg.text,
        html: msg.html ?? null,
      }),
  };
}
