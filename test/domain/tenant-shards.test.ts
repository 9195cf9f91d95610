import { describe, expect, it } from "vitest";
import { EMPTY_WINDOW, takeFromWindow, type WindowState } from "../../src/domain/send-window.ts";
import { MAX_TENANT_SHARDS, pickShards, shardCount, shardLimit } from "../../src/domain/tenant-shards.ts";

const WINDOW = 3600;
const NOW = 1_000_000 * WINDOW;

describe("tenant shards", () => {
  it("the shares sum to exactly the cap, each at least 1 (no overshoot by rounding)", () => {
    for (const cap of [1, 2, 3, 7, 15, 16, 17, 63, 64, 65, 999, 1000, 1_000_000]) {
      const n = shardCount(cap);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(MAX_TENANT_SHARDS);
      const shares = Array.from({ length: n }, (_, k) => shardLimit(cap, n, k));
      expect(shares.reduce((a, b) => a + b, 0)).toBe(cap);
      expect(Math.min(...shares)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });

  it("two distinct shards in range", () => {
    for (let i = 0; i < 2000; i++) {
      const r = crypto.getRandomValues(new Uint8Array(4));
      const [a, b] = pickShards(8, r);
      expect(a).not.toBe(b);
      expect([a, b].every((k) => k! >= 0 && k! < 8)).toBe(true);
    }
    expect(pickShards(1, new Uint8Array(4))).toEqual([0]);
  });

  it("8 shards: never more than the cap; a refusal only when both tried shards are empty", () => {
    for (let run = 0; run < 50; run++) {
      const cap = 1000;
      const n = shardCount(cap);
      expect(n).toBe(8);
      const shards: WindowState[] = Array.from({ length: n }, () => EMPTY_WINDOW);
      let sent = 0;
      let firstRefusalAt = -1;
      for (let i = 0; i < 2 * cap; i++) {
        let admitted = false;
        const tried = pickShards(n, crypto.getRandomValues(new Uint8Array(4)));
        for (const k of tried) {
          const r = takeFromWindow(shards[k]!, shardLimit(cap, n, k), WINDOW, NOW);
          shards[k] = r.state;
          if (r.ok) {
            admitted = true;
            break;
          }
        }
        if (admitted) sent++;
        else {
          for (const k of tried) expect(shards[k]!.current).toBe(shardLimit(cap, n, k));
          if (firstRefusalAt < 0) firstRefusalAt = sent;
        }
      }
      expect(sent).toBeLessThanOrEqual(cap);
      // The first refusal needs two empty shards: at least 2 shares (2 · 125) are used up by then.
      expect(firstRefusalAt).toBeGreaterThanOrEqual(2 * shardLimit(cap, n, 0));
    }
  });
});
