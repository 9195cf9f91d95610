/**
 * Benchmark-only routes, mounted by createApp only when BENCH_INSTRUMENTATION=1 (`npm run bench`
 * sets it with `--var`; a deploy never does): the worker's floor, a no-op behind the same middleware
 * as every other route, and the instrumentation counters of this isolate.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { alarmRuns, counters, resetCounters } from "../services/instrumentation.ts";

export const benchRoutes = new Hono<AppEnv>();

benchRoutes.get("/noop", (c) => c.json({ ok: true }));
benchRoutes.get("/counters", (c) => c.json({ ...counters }));
benchRoutes.post("/counters/reset", (c) => {
  resetCounters();
  return c.json({ ...counters });
});
benchRoutes.get("/alarms", (c) => c.json(alarmRuns));
benchRoutes.post("/alarms/reset", (c) => {
  alarmRuns.length = 0;
  return c.json([]);
});
