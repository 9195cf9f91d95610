/**
 * SendLimiter: one Durable Object per throttle bucket (`idFromName(bucket)`): a destination, a
 * client IP (/64 for IPv6) or one shard of a tenant's cap (src/domain/tenant-shards.ts). It counts
 * sends over a sliding one-hour window (`src/domain/send-window.ts`); `take` and `refund` run without awaiting anything, so the input
 * gate serialises parallel callers and a bucket never admits more than its limit.
 *
 * The limit is the caller's (each tenant sets its own), the count is the bucket's: one destination
 * texted from two tenants counts once in each tenant's view. Storage deletes itself after two idle
 * windows, when the estimate has decayed to zero anyway.
 */
import { DurableObject } from "cloudflare:workers";
import { SEND_WINDOW_KEY } from "../storage/durable-objects/keys.ts";
import { EMPTY_WINDOW, refundWindow, rollWindow, takeFromWindow, type WindowState } from "../domain/send-window.ts";

export type LimiterVerdict = { ok: true; window: number } | { ok: false; retryAfterSeconds: number };

export class SendLimiter extends DurableObject<Env> {
  #state(): WindowState {
    return (this.ctx.storage.kv.get(SEND_WINDOW_KEY) as WindowState | undefined) ?? EMPTY_WINDOW;
  }

  /** Takes one send if `limit` allows it within `windowSeconds` ending at `now` (unix seconds). */
  async take(limit: number, windowSeconds: number, now: number): Promise<LimiterVerdict> {
    const r = takeFromWindow(this.#state(), limit, windowSeconds, now);
    this.ctx.storage.kv.put(SEND_WINDOW_KEY, r.state);
    if (!r.ok) return { ok: false, retryAfterSeconds: r.retryAfterSeconds };
    await this.ctx.storage.setAlarm(Date.now() + 2 * windowSeconds * 1000);
    return { ok: true, window: r.state.start };
  }

  /** Gives back a send that `take` admitted but that never went out (another throttle refused it). */
  async refund(window: number, windowSeconds: number, now: number): Promise<void> {
    this.ctx.storage.kv.put(
      SEND_WINDOW_KEY,
      refundWindow(rollWindow(this.#state(), windowSeconds, now), window, windowSeconds),
    );
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
