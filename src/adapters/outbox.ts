/** What the development mail and SMS "providers" share: one DevOutbox entry per message (GET /dev/outbox). */
import type { OutboxInput } from "../objects/dev-outbox.ts";
import type { SendOutcome } from "./http.ts";

export type OutboxStore = { add(m: OutboxInput): Promise<string> };

/** Stores `entry`, stamped with the current time; always a success carrying the outbox id. */
export async function storeInOutbox(
  o: { store: OutboxStore; now: () => number },
  entry: Omit<OutboxInput, "time">,
): Promise<SendOutcome> {
  const id = await o.store.add({ ...entry, time: new Date(o.now() * 1000).toISOString() });
  return { ok: true, id };
}
