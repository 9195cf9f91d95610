/**
 * The UserGuard's outbox flush on its own (src/storage/durable-objects/guard-flush.ts), over an
 * in-memory KV: what is retried, what is never sent twice, when an entry is given up.
 */
import { describe, expect, it } from "vitest";
import { buildEvent } from "../../src/domain/events.ts";
import { queueEvent } from "../../src/storage/durable-objects/guard-events.ts";
import {
  flushOutbox,
  MAX_FLUSH_ATTEMPTS,
  retryDelayMs,
  type AlertSent,
  type FlushDeps,
} from "../../src/storage/durable-objects/guard-flush.ts";
import { memoryKv } from "../support/memory-kv.ts";

const ctx = { tenantId: "t1", userId: "u1", info: { ipAddress: "203.0.113.1" }, user: { id: "u1" } };

function deps(overrides: Partial<FlushDeps> = {}) {
  const stored: string[] = [];
  const hooked: string[] = [];
  const alerts: Array<{ id: string; sent: AlertSent }> = [];
  const d: FlushDeps = {
    storeEvents: async (evs) => void stored.push(...evs.map((e) => e.id)),
    enqueueWebhooks: async (_t, evs) => void hooked.push(...evs.map((e) => e.id)),
    sendAlert: async (e, _a, sent) => {
      alerts.push({ id: e.id, sent });
      return { sent: { ...sent, email: true }, done: true };
    },
    ...overrides,
  };
  return { d, stored, hooked, alerts };
}

describe("flushOutbox", () => {
  it("hands every event on once and empties the outbox", async () => {
    const kv = memoryKv();
    queueEvent(kv, ctx, { type: "user.login.success" }, 100);
    queueEvent(kv, ctx, { type: "user.two-factor.failed-attempt", method: "authenticator" }, 101, {
      kind: "failed_attempts",
      failures: 3,
    });
    const { d, stored, hooked, alerts } = deps();
    expect(await flushOutbox(kv, d)).toBeNull();
    expect(stored).toHaveLength(2);
    expect(hooked).toEqual(stored);
    expect(alerts).toHaveLength(1);
    expect([...kv.list({ prefix: "e:" })]).toHaveLength(0);
    expect(await flushOutbox(kv, d)).toBeNull();
    expect(stored).toHaveLength(2);
  });

  it("a D1 or dispatcher failure keeps every entry and backs off: 30 s, 60 s, … then gives up after MAX_FLUSH_ATTEMPTS", async () => {
    const kv = memoryKv();
    queueEvent(kv, ctx, { type: "user.login.success" }, 100);
    const { d } = deps({
      storeEvents: async () => {
        throw new Error("D1 unavailable");
      },
    });
    const delays: Array<number | null> = [];
    for (let i = 0; i < MAX_FLUSH_ATTEMPTS; i++) delays.push(await flushOutbox(kv, d));
    expect(delays.slice(0, 4)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(Math.max(...(delays as number[]))).toBe(3_600_000);
    expect([...kv.list({ prefix: "e:" })]).toHaveLength(0); // dropped (and logged) after the last attempt
    expect(retryDelayMs(1)).toBe(30_000);
  });

  it("an alert whose email went out but whose SMS failed is retried for the SMS only", async () => {
    const kv = memoryKv();
    queueEvent(kv, ctx, { type: "user.action", phase: "start" }, 100, { kind: "account_locked" });
    let calls = 0;
    const seen: AlertSent[] = [];
    const { d, stored } = deps({
      sendAlert: async (_e, _a, sent) => {
        seen.push(sent);
        calls++;
        return calls === 1
          ? { sent: { email: true, sms: false }, done: false }
          : { sent: { ...sent, sms: true }, done: true };
      },
    });
    expect(await flushOutbox(kv, d)).toBe(30_000);
    expect(await flushOutbox(kv, d)).toBeNull();
    expect(seen).toEqual([{}, { email: true, sms: false }]);
    // The event itself was stored on both tries; D1 ignores the known id.
    expect(new Set(stored).size).toBe(1);
  });

  it("events of one burst keep their order and ids across retries", async () => {
    const kv = memoryKv();
    const ids = [1, 2, 3].map((i) => queueEvent(kv, ctx, { type: "user.two-factor.failed-attempt" }, 100 + i).id);
    const first = deps({
      enqueueWebhooks: async () => {
        throw new Error("dispatcher down");
      },
    });
    await flushOutbox(kv, first.d);
    const second = deps();
    await flushOutbox(kv, second.d);
    expect(second.hooked).toEqual(ids);
    expect(buildEvent({ type: "user.login.success", tenantId: "t", info: {} }, 5).createInstant).toBe(5000);
  });

  it("hands only the events some webhook subscribes to to the tenant's dispatcher (none: no call)", async () => {
    const kv = memoryKv();
    const login = queueEvent(kv, ctx, { type: "user.login.success" }, 100);
    queueEvent(kv, ctx, { type: "user.two-factor.success", method: "authenticator" }, 101);
    const some = deps({ storeEvents: async (evs) => evs.filter((e) => e.type === "user.login.success") });
    expect(await flushOutbox(kv, some.d)).toBeNull();
    expect(some.hooked).toEqual([login.id]);

    queueEvent(kv, ctx, { type: "user.login.success" }, 102);
    let calls = 0;
    const none = deps({
      storeEvents: async () => [],
      enqueueWebhooks: async () => void calls++,
    });
    expect(await flushOutbox(kv, none.d)).toBeNull();
    expect(calls).toBe(0);
    expect([...kv.list({ prefix: "e:" })]).toHaveLength(0);
  });
});
