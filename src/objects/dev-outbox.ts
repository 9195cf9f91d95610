/**
 * DevOutbox: the development "provider". One instance (`idFromName("outbox")`) keeps the most recent
 * OUTBOX_CAPACITY emails and SMS the service sent while MAIL_PROVIDER / SMS_PROVIDER is `outbox`,
 * for `GET /dev/outbox`. Configuration validation refuses `outbox` in production, and the /dev
 * routes answer 404 there, so nothing is ever kept or shown outside development and tests.
 *
 * It holds message bodies, codes included: that is its purpose. Never used in production.
 */
import { DurableObject } from "cloudflare:workers";
import { DEV_OUTBOX_PREFIX, DEV_OUTBOX_SEQ_KEY, devOutboxKey } from "../storage/durable-objects/keys.ts";

export const OUTBOX_CAPACITY = 500;

export type OutboxMessage = {
  id: string;
  channel: "email" | "sms";
  to: string;
  from: string;
  subject: string | null;
  body: string;
  html: string | null;
  /** ISO 8601. */
  time: string;
};

export type OutboxInput = Omit<OutboxMessage, "id">;

export class DevOutbox extends DurableObject<Env> {
  readonly #kv = this.ctx.storage.kv;

  /** Stores one message; the oldest go once OUTBOX_CAPACITY is exceeded. Returns the message id. */
  async add(input: OutboxInput): Promise<string> {
    const seq = ((this.#kv.get(DEV_OUTBOX_SEQ_KEY) as number | undefined) ?? 0) + 1;
    const key = devOutboxKey(seq);
    const id = key.slice(DEV_OUTBOX_PREFIX.length);
    this.#kv.put(DEV_OUTBOX_SEQ_KEY, seq);
    this.#kv.put(key, { ...input, id } satisfies OutboxMessage);
    if (seq > OUTBOX_CAPACITY) this.#kv.delete(devOutboxKey(seq - OUTBOX_CAPACITY));
    return id;
  }

  /** Newest first; `to` filters case-insensitively. */
  async list(filter: { to?: string; limit?: number } = {}): Promise<OutboxMessage[]> {
    const limit = Math.max(1, Math.min(filter.limit ?? 100, OUTBOX_CAPACITY));
    const to = filter.to?.toLowerCase();
    const out: OutboxMessage[] = [];
    for (const [, m] of this.#kv.list<OutboxMessage>({ prefix: DEV_OUTBOX_PREFIX, reverse: true })) {
      if (to && m.to.toLowerCase() !== to) continue;
      out.push(m);
      if (out.length >= limit) break;
    }
    return out;
  }

  async clear(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
