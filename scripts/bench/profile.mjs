#!/usr/bin/env node
/**
 * Where a path's worker CPU goes (issue 15): runs edge-mfa in one workerd (`--runtime miniflare`)
 * with its inspector open, records a V8 CPU profile of the worker isolate (Durable Objects included:
 * locally they share it) while `--n` requests of `--path` run at `--c` connections, and prints the
 * functions with the most self time and the files with the most total self time.
 *   node scripts/bench/profile.mjs [--path start|verify-totp|verify-code|noop] [--n 2000] [--c 16] [--out file.cpuprofile]
 * The profile file opens in Chrome DevTools (Performance → Load profile).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { edgePaths, seedEdge, startEdge } from "./lib/edge.mjs";
import { queue } from "./lib/http.mjs";
import { runLoad } from "./lib/load.mjs";
import { freePort } from "../lib/wrangler-dev.mjs";

const { values: a } = parseArgs({
  options: {
    path: { type: "string", default: "start" },
    n: { type: "string", default: "2000" },
    c: { type: "string", default: "16" },
    top: { type: "string", default: "40" },
    out: { type: "string" },
  },
});
const log = (m) => console.log(`[profile] ${m}`);
const n = Number(a.n);

/** A minimal Chrome DevTools Protocol session over Node's WebSocket. */
async function cdp(url) {
  const ws = new WebSocket(url);
  await new Promise((ok, ko) => {
    ws.onopen = ok;
    ws.onerror = ko;
  });
  let id = 0;
  const waiting = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(String(m.data));
    if (msg.id && waiting.has(msg.id)) {
      const [ok, ko] = waiting.get(msg.id);
      waiting.delete(msg.id);
      msg.error ? ko(new Error(JSON.stringify(msg.error))) : ok(msg.result);
    }
  };
  return {
    send: (method, params = {}) =>
      new Promise((ok, ko) => {
        const i = ++id;
        waiting.set(i, [ok, ko]);
        ws.send(JSON.stringify({ id: i, method, params }));
      }),
    close: () => ws.close(),
  };
}

function summarise(profile, top) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((s, v) => s + v, 0);
  const fn = new Map();
  const file = new Map();
  for (const [id, us] of self) {
    const f = byId.get(id).callFrame;
    const where = f.url ? f.url.replace(/^.*\//, "") : "";
    const key = `${f.functionName || "(anonymous)"} ${where}:${f.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    file.set(where || f.functionName, (file.get(where || f.functionName) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000 / n).toFixed(3)} ms/req`;
  log(
    `sampled ${(total / 1000).toFixed(0)} ms over ${n} requests (${(total / 1000 / n).toFixed(2)} ms/req incl. idle)`,
  );
  for (const [k, us] of [...fn].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`);
  // Inclusive time per entry point (the root's children): the worker's request handler, each Durable
  // Object method or alarm, and the D1 client's callbacks each start a task of their own.
  const inclusive = (id) => (self.get(id) ?? 0) + (byId.get(id).children ?? []).reduce((s, c) => s + inclusive(c), 0);
  console.log("-- by entry point (inclusive) --");
  const entries = (profile.nodes[0].children ?? []).map((id) => [id, inclusive(id)]).sort((x, y) => y[1] - x[1]);
  for (const [id, us] of entries.slice(0, 15)) {
    const f = byId.get(id).callFrame;
    console.log(
      `${pct(us)}  ${f.functionName || "(anonymous)"} ${f.url ? f.url.replace(/^.*\//, "") : ""}:${f.lineNumber + 1}`,
    );
  }
  console.log("-- by file --");
  for (const [k, us] of [...file].sort((x, y) => y[1] - x[1]).slice(0, 12)) console.log(`${pct(us)}  ${k}`);
}

const inspectorPort = await freePort();
const edge = await startEdge(log, { runtime: "miniflare", inspectorPort });
try {
  await seedEdge(edge, { totpUsers: a.path === "verify-totp" ? n + 50 : 64, loginUsers: 0 }, log);
  const path = edgePaths(edge).find((p) => p.id === a.path);
  if (!path) throw new Error(`unknown path ${a.path}`);
  const items = await path.prepare(n);
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => /edge-mfa/.test(t.title ?? t.url ?? "")) ?? targets[0];
  log(`profiling ${target.title ?? target.id}`);
  const s = await cdp(target.webSocketDebuggerUrl);
  await s.send("Profiler.enable");
  await s.send("Profiler.setSamplingInterval", { interval: 100 });
  await s.send("Profiler.start");
  const r = await runLoad({ url: edge.base, connections: Number(a.c), amount: n, next: queue(items) });
  const { profile } = await s.send("Profiler.stop");
  s.close();
  log(`${a.path}: ${r.ok}/${r.requests} ok, ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms`);
  if (a.out) writeFileSync(a.out, JSON.stringify(profile));
  summarise(profile, Number(a.top));
} finally {
  edge.server.stop();
}
