#!/usr/bin/env node
/**
 * Per-request latency trace of the completion paths (issue 15): the bench's c16 run followed by its
 * c1 run, every response with its send time, plus the UserGuard alarm runs the worker recorded
 * (BENCH_INSTRUMENTATION's `/__bench/alarms`). Prints the slow c1 requests and the alarms beside them.
 *   node scripts/bench/trace.mjs [--path verify-totp|verify-code] [--reps N]
 */
import { parseArgs } from "node:util";
const { default: autocannon } = await import("./node_modules/autocannon/autocannon.js");
import { edgePaths, seedEdge, startEdge } from "./lib/edge.mjs";
import { call, queue } from "./lib/http.mjs";

const { values: a } = parseArgs({
  options: { path: { type: "string" }, reps: { type: "string" }, c1: { type: "string" }, overlap: { type: "boolean" } },
});
const log = (m) => console.log(`[trace] ${m}`);
function run(url, connections, amount, next) {
  return new Promise((resolve, reject) => {
    const rows = [];
    const inst = autocannon(
      { url, connections, amount, timeout: 30, requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }] },
      (err) => (err ? reject(err) : resolve(rows)),
    );
    inst.on("response", (_c, status, _b, ms) => {
      const end = Date.now();
      rows.push({ start: end - ms, end, ms, status });
    });
  });
}
const edge = await startEdge(log);
try {
  await seedEdge(edge, { totpUsers: 480, loginUsers: 0 }, log);
  const path = edgePaths(edge).find((p) => p.id === (a.path ?? "verify-totp"));
  const n1 = Number(a.c1 ?? 80);
  const all = [];
  for (let rep = 0; rep < Number(a.reps ?? 3); rep++) {
    await call(edge.base, "POST", "/__bench/alarms/reset");
    // --overlap: the c1 requests are prepared first and sent right after the c16 run, so they meet
    // the alarms its completions scheduled (FLUSH_DELAY_MS later) whatever the machine's speed.
    const early = a.overlap ? queue(await path.prepare(n1)) : null;
    const q16 = queue(await path.prepare(300));
    const t0 = Date.now();
    const c16 = await run(edge.base, 16, 300, q16);
    const tPrep = Date.now();
    const q1 = early ?? queue(await path.prepare(n1));
    const tC1 = Date.now();
    const c1 = await run(edge.base, 1, n1, q1);
    const tEnd = Date.now();
    const alarms = (await call(edge.base, "GET", "/__bench/alarms")).body ?? [];
    const ms = c1.map((r) => r.ms).sort((x, y) => x - y);
    const rel = (t) => ((t - t0) / 1000).toFixed(3);
    const slow = c1.filter((r) => r.ms > 5 * ms[Math.floor(ms.length / 2)]);
    const slowInAlarms = slow.filter((r) => alarms.some((x) => x.start < r.end && x.end > r.start)).length;
    log(
      `rep ${rep}: c16 run 0–${rel(tPrep)} s (${c16.length} answers), prepare c1 –${rel(tC1)} s, c1 –${rel(tEnd)} s; c1 p50 ${ms[Math.floor(ms.length / 2)].toFixed(1)} ms, p99 ${ms[Math.ceil(0.99 * ms.length) - 1].toFixed(1)} ms, max ${ms.at(-1).toFixed(1)} ms; ${slow.length} over 5× p50 (${slowInAlarms} beside an alarm run); alarms ${alarms.length}` +
        (alarms.length
          ? ` ran ${rel(Math.min(...alarms.map((x) => x.start)))}–${rel(Math.max(...alarms.map((x) => x.end)))} s`
          : ""),
    );
    for (const r of slow.slice(0, 8)) {
      const during = alarms.filter((x) => x.start < r.end && x.end > r.start);
      log(
        `  slow c1 request ${rel(r.start)}–${rel(r.end)} s: ${r.ms.toFixed(1)} ms; alarms overlapping it: ${during.length}`,
      );
    }
    all.push(...ms);
    await new Promise((r) => setTimeout(r, 3000));
  }
} finally {
  edge.server.stop?.();
  edge.server.child.kill();
}
