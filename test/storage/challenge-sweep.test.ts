/**
 * The UserGuard's challenge sweep (src/storage/durable-objects/challenge-store.ts): every start
 * sweeps, but the stored challenges are listed only once the earliest one can go (issue 15: a user
 * with ~45 live challenges paid a read of all of them per start), and nothing sweepable is kept.
 */
import { describe, expect, it } from "vitest";
import { noteChallengeExpiry, sweepChallenges } from "../../src/storage/durable-objects/challenge-store.ts";
import { CHALLENGE_SWEEP_AT_KEY } from "../../src/storage/durable-objects/keys.ts";
import { memoryKv } from "../support/memory-kv.ts";

function store(kv: SyncKvStorage, name: string, expiresAt: number, extra: Record<string, unknown> = {}) {
  kv.put(`c:${name}`, { expiresAt, totp: [], ...extra });
  noteChallengeExpiry(kv, expiresAt);
}
const keys = (kv: SyncKvStorage) => [...kv.list({ prefix: "c:" })].map(([k]) => k);

describe("sweepChallenges", () => {
  it("lists nothing while every challenge is live, then drops exactly the expired ones", () => {
    const kv = memoryKv();
    store(kv, "a", 100);
    store(kv, "b", 200);
    store(kv, "c", 300);
    const before = kv.lists;
    sweepChallenges(kv, 50);
    sweepChallenges(kv, 99);
    expect(kv.lists - before).toBe(0);
    sweepChallenges(kv, 100);
    expect(kv.lists - before).toBe(1);
    expect(keys(kv)).toEqual(["c:b", "c:c"]);
    expect(kv.get(CHALLENGE_SWEEP_AT_KEY)).toBe(200);
    const mid = kv.lists;
    sweepChallenges(kv, 150);
    expect(kv.lists).toBe(mid);
    sweepChallenges(kv, 400);
    expect(keys(kv)).toEqual([]);
    expect(kv.get(CHALLENGE_SWEEP_AT_KEY)).toBeUndefined();
  });

  it("a later challenge does not move the mark; an earlier one does", () => {
    const kv = memoryKv();
    store(kv, "a", 200);
    store(kv, "b", 500);
    expect(kv.get(CHALLENGE_SWEEP_AT_KEY)).toBe(200);
    store(kv, "c", 120);
    expect(kv.get(CHALLENGE_SWEEP_AT_KEY)).toBe(120);
    sweepChallenges(kv, 130);
    expect(keys(kv)).toEqual(["c:a", "c:b"]);
  });

  it("keeps an expired challenge whose recovery code is being consumed until the hold ends", () => {
    const kv = memoryKv();
    store(kv, "held", 100, { recoveryHoldUntil: 110 });
    sweepChallenges(kv, 105);
    expect(keys(kv)).toEqual(["c:held"]);
    expect(kv.get(CHALLENGE_SWEEP_AT_KEY)).toBe(110);
    sweepChallenges(kv, 110);
    expect(keys(kv)).toEqual([]);
  });

  it("sweeps challenges stored before the mark existed", () => {
    const kv = memoryKv();
    kv.put("c:old", { expiresAt: 10, totp: [] });
    kv.put("c:live", { expiresAt: 1_000, totp: [] });
    sweepChallenges(kv, 20);
    expect(keys(kv)).toEqual(["c:live"]);
    expect(kv.get(CHALLENGE_SWEEP_AT_KEY)).toBe(1_000);
  });
});
