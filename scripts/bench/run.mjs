#!/usr/bin/env node
/**
 * `npm run bench`: edge-mfa under `wrangler dev` against its own no-op route and against Better Auth
 * (two-factor plugin, Node, better-sqlite3) in one run on this machine. See BENCHMARKS.md.
 *
 *   node scripts/bench/run.mjs            full run (3 repetitions, under 5 minutes), prints the tables
 *   node scripts/bench/run.mjs --write    also writes the tables into BENCHMARKS.md (between markers)
 *   node scripts/bench/run.mjs --smoke    a few requests per path, 1 repetition (the test suite's check)
 *   --json FILE                           the raw results as JSON
 *   --only noop,verify-totp,…  --reps N   a subset of paths (both systems' ids), for profiling
 *   --runtime wrangler|miniflare|both     edge-mfa under `wrangler dev` (default), in one workerd
 *                                         through Miniflare without wrangler's proxy, or both in one run
 *   --edge-only                           no Better Auth peer
 *   --scale F                             request counts × F (e.g. 0.5 on a busy machine)
 *   --scenario scaling|sends              the opt-in scenarios of issue 15 (scripts/bench/lib/scenarios.mjs):
 *                                         completions with 1/16/256 users at c16/c64; sends of 1 vs 64 users
 *
 * Per path: requests/s at concurrency 16, median and p99 latency at concurrency 1, CPU time per
 * request of the server's process tree (/proc utime + stime over the concurrency-16 run), and for
 * edge-mfa the D1 queries and Durable Object calls per request (BENCH_INSTRUMENTATION counters).
 * Load comes from autocannon in this process on loopback; every request carries a body taken from a
 * queue prepared before its run, so no challenge or TOTP code is used twice.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { root } from "../lib/wrangler-dev.mjs";
import { drainDeferred, edgePaths, readCounters, resetCounters, seedEdge, startEdge } from "./lib/edge.mjs";
import { queue } from "./lib/http.mjs";
import { cpuSplit, treeCpuByProcess, treeCpuSeconds } from "./lib/proc.mjs";
import { peerPaths, seedPeer, startPeer } from "./peer/client.mjs";
import { benchDir, ensureBenchDeps } from "./deps.mjs";
import { scalingScenario, sendsScenario } from "./lib/scenarios.mjs";

// The peer's native addon and wrangler want the Node pinned as a devDependency; `npm run bench` finds
// it first on PATH. Started with another Node, run again with the pinned one.
const pinned = join(root, "node_modules", ".bin", "node");
const pinnedMajor = JSON.parse(readFileSync(join(root, "node_modules", "node", "package.json"), "utf8")).version.split(
  ".",
)[0];
if (process.versions.node.split(".")[0] !== pinnedMajor && existsSync(pinned)) {
  const r = spawnSync(pinned, process.argv.slice(1), { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    smoke: { type: "boolean" },
    write: { type: "boolean" },
    json: { type: "string" },
    only: { type: "string" },
    reps: { type: "string" },
    runtime: { type: "string", default: "wrangler" },
    "edge-only": { type: "boolean" },
    scenario: { type: "string" },
    scale: { type: "string" },
  },
});
const runtimes = args.runtime === "both" ? ["wrangler", "miniflare"] : [args.runtime];
const t0 = Date.now();
const log = (msg) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

// Requests per measured run: [at concurrency C, at concurrency 1]. Password paths are slow by design
// (PBKDF2 100k resp. scrypt), so they get fewer.
const FULL = {
  reps: 3,
  concurrency: 16,
  warmup: 48,
  totpUsers: 480,
  loginUsers: 16,
  peerUsers: 16,
  amounts: { default: [300, 80], noop: [600, 120], ok: [600, 120], login: [32, 8], "sign-in": [32, 8] },
};
const SMOKE = {
  reps: 1,
  concurrency: 4,
  warmup: 4,
  totpUsers: 40,
  loginUsers: 2,
  peerUsers: 2,
  amounts: { default: [12, 6], login: [4, 2], "sign-in": [4, 2] },
};
const S = { ...(args.smoke ? SMOKE : FULL), ...(args.reps ? { reps: Number(args.reps) } : {}) };
const only = args.only ? new Set(args.only.split(",")) : null;
// `--scale F`: every run's request count × F (a loaded machine; the scenarios' counts too).
const scale = args.scale ? Number(args.scale) : 1;
const amountsFor = (id) => (S.amounts[id] ?? S.amounts.default).map((n) => Math.max(4, Math.round(n * scale)));

// ---------------------------------------------------------------------------------------------

/** One path, one repetition: the concurrency-C run (throughput, CPU, counters), then the concurrency-1 run (latency). */
async function measure(system, path) {
  const [nC, n1] = amountsFor(path.id);
  const expectStatus = path.expect ?? 200;
  const check = (r, n, what) => {
    const good = r.statuses[expectStatus] ?? 0;
    if (good !== n)
      throw new Error(
        `${system.name} ${path.id} ${what}: ${good}/${n} answered ${expectStatus} (statuses ${JSON.stringify(r.statuses)}, errors ${r.errors})`,
      );
  };

  const nextC = queue(await path.prepare(nC));
  if (system.counters) await resetCounters(system.handle);
  const cpu0 = treeCpuSeconds(system.handle.pid);
  const split0 = treeCpuByProcess(system.handle.pid);
  const rC = await runLoad({ url: system.handle.base, connections: S.concurrency, amount: nC, next: nextC });
  // Work the answers handed to the outbox (alarms 2–5 s later) belongs to this run's CPU, and must
  // not land on the concurrency-1 run that follows (issue 15: it stalled one request by about 1 s).
  if (path.deferred && system.counters) await drainDeferred(system.handle, Date.now());
  const cpu1 = treeCpuSeconds(system.handle.pid);
  const split = cpuSplit(split0, treeCpuByProcess(system.handle.pid));
  const counters = system.counters ? await readCounters(system.handle) : null;
  check(rC, nC, `at c${S.concurrency}`);

  const next1 = queue(await path.prepare(n1));
  const r1 = await runLoad({ url: system.handle.base, connections: 1, amount: n1, next: next1 });
  check(r1, n1, "at c1");
  // Likewise the c1 run's flushes must not land on the next path's runs.
  if (path.deferred && system.counters) await drainDeferred(system.handle, Date.now());

  const ok = rC.statuses[expectStatus];
  return {
    rps: rC.rps,
    p50: r1.p50,
    p99: r1.p99,
    cpuMs: ((cpu1 - cpu0) * 1000) / ok,
    // Per process of the server's tree, busiest first (wrangler dev: node, proxy workerd, worker workerd).
    cpuSplit: split.map((p) => ({ name: p.name, ms: (p.seconds * 1000) / ok })),
    d1: counters ? counters.d1Queries / ok : null,
    d1Deferred: counters ? counters.d1Deferred / ok : null,
    doCalls: counters ? counters.doCalls / ok : null,
    requests: { concurrent: nC, sequential: n1 },
  };
}

async function warmup(system, paths) {
  for (const path of paths) {
    const n = Math.min(S.warmup, amountsFor(path.id)[0]);
    await runLoad({
      url: system.handle.base,
      connections: Math.min(8, S.concurrency),
      amount: n,
      next: queue(await path.prepare(n)),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Summaries

const stats = (xs) => {
  const s = xs.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  return {
    min: s[0],
    median: s[Math.floor((s.length - 1) / 2)] === undefined ? s[0] : medianOf(s),
    max: s[s.length - 1],
  };
};
function medianOf(sorted) {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}
function fmt(x, digits) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toFixed(d);
}
const range = (st, digits) =>
  st
    ? S.reps === 1
      ? fmt(st.median, digits)
      : `${fmt(st.min, digits)}–${fmt(st.median, digits)}–${fmt(st.max, digits)}`
    : "–";

/** Per-repetition ratio a/b, summarised (null when either side was not measured). */
function ratio(runsA, runsB, key, invert = false) {
  if (!runsA || !runsB) return null;
  const xs = runsA.map((a, i) => (invert ? runsB[i][key] / a[key] : a[key] / runsB[i][key]));
  return stats(xs);
}

const EQUIVALENT = [
  ["floor", "noop", "ok"],
  ["start a challenge with a code", "start", "send-otp"],
  ["complete with TOTP", "verify-totp", "verify-totp"],
  ["complete with a sent/start code", "verify-code", "verify-otp"],
  ["password sign-in needing 2FA", "login", "sign-in"],
];

function tables(results, systems) {
  const lines = [];
  const header = `| system | path | req/s @c${S.concurrency} | p50 ms @c1 | p99 ms @c1 | CPU ms/req | × floor p50 | floor/path req/s | D1/req (+deferred) | DO/req |`;
  lines.push(header, `|${"---|".repeat(10)}`);
  for (const sys of systems) {
    const floorId = sys.floorId;
    for (const path of sys.paths) {
      const runs = results[sys.name][path.id];
      const floor = results[sys.name][floorId];
      const d1 = stats(runs.map((r) => r.d1));
      const dd = stats(runs.map((r) => r.d1Deferred));
      const dOc = stats(runs.map((r) => r.doCalls));
      lines.push(
        `| ${sys.name} | ${path.label} | ${range(stats(runs.map((r) => r.rps)), 0)} | ${range(stats(runs.map((r) => r.p50)))} | ${range(stats(runs.map((r) => r.p99)))} | ${range(stats(runs.map((r) => r.cpuMs)))} | ${path.id === floorId ? "1" : range(ratio(runs, floor, "p50"))} | ${path.id === floorId ? "1" : range(ratio(runs, floor, "rps", true))} | ${d1 ? `${range(d1)} (+${range(dd)})` : "–"} | ${dOc ? fmt(dOc.median) : "–"} |`,
      );
    }
  }
  lines.push(
    "",
    `| flow | edge-mfa path | Better Auth path | req/s edge ÷ BA | p50 BA ÷ edge | CPU/req edge ÷ BA |`,
    "|---|---|---|---|---|---|",
  );
  for (const [flow, e, p] of EQUIVALENT) {
    const a = results["edge-mfa"][e];
    const b = results["better-auth"][p];
    if (!a || !b) continue;
    lines.push(
      `| ${flow} | ${e} | ${p} | ${range(ratio(a, b, "rps"))} | ${range(ratio(a, b, "p50", true))} | ${range(ratio(a, b, "cpuMs"))} |`,
    );
  }
  return lines.join("\n");
}

/**
 * `--runtime both`: each edge-mfa path under `wrangler dev` beside the same path in one workerd
 * (Miniflare), with the per-repetition ratio Miniflare ÷ wrangler dev and the CPU per process.
 */
function runtimeTable(results, systems) {
  const [a, b] = systems.filter((x) => x.runtime);
  const ra = results[a.name];
  const rb = results[b.name];
  const med = (runs, key) => stats(runs.map((r) => r[key]));
  const split = (runs) => {
    // Median ms/req of the i-th busiest process, with its name.
    const n = Math.max(...runs.map((r) => r.cpuSplit.length));
    return Array.from({ length: n }, (_, i) => {
      const xs = runs.map((r) => r.cpuSplit[i]).filter(Boolean);
      return `${xs[0].name} ${fmt(stats(xs.map((x) => x.ms)).median)}`;
    }).join(" + ");
  };
  const lines = [
    `| path | metric | ${a.runtime} | ${b.runtime} | ${b.runtime} ÷ ${a.runtime} |`,
    "|---|---|---|---|---|",
  ];
  for (const path of a.paths) {
    const x = ra[path.id];
    const y = rb[path.id];
    if (!x || !y) continue;
    for (const [key, label, digits] of [
      ["rps", `req/s @c${S.concurrency}`, 0],
      ["p50", "p50 ms @c1"],
      ["p99", "p99 ms @c1"],
      ["cpuMs", "CPU ms/req"],
    ]) {
      lines.push(
        `| ${path.label} | ${label} | ${range(med(x, key), digits)} | ${range(med(y, key), digits)} | ${range(ratio(y, x, key))} |`,
      );
    }
    lines.push(`| ${path.label} | CPU ms/req by process (median) | ${split(x)} | ${split(y)} | |`);
  }
  return lines.join("\n");
}

function targets(results) {
  const e = results["edge-mfa"];
  const p = results["better-auth"];
  const med = (st) => st?.median ?? NaN;
  const out = [];
  if (!e["verify-totp"] || !e["verify-code"] || !e.noop || !p["verify-totp"] || !p["verify-otp"]) return out; // a --only run
  for (const id of ["verify-totp", "verify-code"]) {
    const x = med(ratio(e[id], e.noop, "p50"));
    out.push({ target: `${id}: median ≤ 3× the no-op route`, value: `${fmt(x)}×`, met: x <= 3 });
  }
  const thr = med(ratio(e["verify-totp"], p["verify-totp"], "rps"));
  out.push({ target: "verify-totp: req/s ≥ 1.5× Better Auth verify-totp", value: `${fmt(thr)}×`, met: thr >= 1.5 });
  const thr2 = med(ratio(e["verify-code"], p["verify-otp"], "rps"));
  out.push({ target: "verify-code: req/s ≥ 1.5× Better Auth verify-otp", value: `${fmt(thr2)}×`, met: thr2 >= 1.5 });
  const cpu = med(ratio(e["verify-totp"], p["verify-totp"], "cpuMs"));
  out.push({ target: "verify-totp: CPU/req below Better Auth's", value: `${fmt(cpu)}×`, met: cpu < 1 });
  for (const id of ["verify-totp", "verify-code"]) {
    const r = e[id];
    const doCalls = Math.max(...r.map((x) => x.doCalls));
    const d1 = Math.max(...r.map((x) => x.d1));
    out.push({
      target: `${id}: 1 DO call and no D1 round trip before the answer`,
      value: `DO ${fmt(doCalls)}, D1 ${fmt(d1)}`,
      met: doCalls === 1 && d1 === 0,
    });
  }
  return out;
}

function readVersion(pkg) {
  try {
    const inBench = join(benchDir, "node_modules", pkg, "package.json");
    return JSON.parse(
      readFileSync(existsSync(inBench) ? inBench : join(root, "node_modules", pkg, "package.json"), "utf8"),
    ).version;
  } catch {
    return "?";
  }
}

function environment() {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    machine: `${cpu[0]?.model ?? "?"}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    versions: Object.fromEntries(
      ["wrangler", "workerd", "hono", "drizzle-orm", "better-auth", "better-sqlite3", "autocannon"].map((p) => [
        p,
        readVersion(p),
      ]),
    ),
    settings: {
      reps: S.reps,
      concurrency: S.concurrency,
      amounts: S.amounts,
      totpUsers: S.totpUsers,
      warmup: S.warmup,
      runtimes,
    },
  };
}

// ---------------------------------------------------------------------------------------------

/** autocannon, imported once scripts/bench/deps.mjs has installed it. */
let runLoad;

async function main() {
  ensureBenchDeps(root, log);
  ({ runLoad } = await import("./lib/load.mjs"));
  const started = [];
  const stopAll = () => {
    for (const s of started) {
      s.child.removeAllListeners("exit");
      s.stop();
    }
  };
  process.on("SIGINT", () => {
    stopAll();
    process.exit(130);
  });
  try {
    if (args.scenario) {
      await runScenario(args.scenario, started);
      return;
    }
    const withPeer = !args["edge-only"];
    const [peer, ...edges] = await Promise.all([
      withPeer ? startPeer(log) : null,
      ...runtimes.map((runtime) => startEdge(log, { runtime })),
    ]);
    started.push(...edges.map((e) => e.server), ...(peer ? [peer] : []));
    log(`seeding edge-mfa${peer ? " and Better Auth" : ""} through their APIs`);
    await Promise.all([
      ...edges.map((edge) => seedEdge(edge, { totpUsers: S.totpUsers, loginUsers: S.loginUsers }, log)),
      peer ? seedPeer(peer, { users: S.peerUsers }) : null,
    ]);
    // The first runtime is "edge-mfa" (the name every table, target and the smoke test use); a second
    // one in the same run (`--runtime both`) is named after its runtime.
    const systems = [
      ...edges.map((edge, i) => ({
        name: i === 0 ? "edge-mfa" : `edge-mfa@${edge.runtime}`,
        runtime: edge.runtime,
        floorId: "noop",
        handle: edge,
        paths: edgePaths(edge),
        counters: true,
      })),
      ...(peer ? [{ name: "better-auth", floorId: "ok", handle: peer, paths: peerPaths(peer), counters: false }] : []),
    ];
    if (only) for (const sys of systems) sys.paths = sys.paths.filter((p) => only.has(p.id));
    log("warming up");
    for (const sys of systems) await warmup(sys, sys.paths);

    const results = Object.fromEntries([["edge-mfa", {}], ["better-auth", {}], ...systems.map((x) => [x.name, {}])]);
    // Systems interleave within each repetition, so two runtimes (or edge-mfa and the peer) see the
    // same machine load, path by path.
    for (let rep = 1; rep <= S.reps; rep++) {
      for (const sys of systems) {
        for (const path of sys.paths) {
          const r = await measure(sys, path);
          results[sys.name][path.id] ??= [];
          results[sys.name][path.id].push(r);
          log(
            `rep ${rep} ${sys.name.padEnd(11)} ${path.id.padEnd(12)} ${fmt(r.rps, 0).padStart(6)} req/s  p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms  CPU ${fmt(r.cpuMs)} ms/req (${r.cpuSplit.map((p) => `${p.name} ${fmt(p.ms)}`).join(", ")})${r.doCalls !== null ? `  D1 ${fmt(r.d1)} (+${fmt(r.d1Deferred)})  DO ${fmt(r.doCalls)}` : ""}`,
          );
        }
      }
    }
    if (systems.filter((x) => x.runtime).length > 1) console.log(`\n${runtimeTable(results, systems)}`);

    const env = environment();
    const table = tables(results, systems);
    const goals = targets(results);
    const goalLines = [
      "| target | measured (median) | met |",
      "|---|---|---|",
      ...goals.map((g) => `| ${g.target} | ${g.value} | ${g.met ? "yes" : "no"} |`),
    ].join("\n");
    const seconds = (Date.now() - t0) / 1000;
    console.log(
      `\n${table}\n\n${goalLines}\n\n${env.date} · ${env.machine} · Node ${env.node} · ${Object.entries(env.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")} · ${seconds.toFixed(0)} s in all`,
    );

    const report = { ...env, seconds, results, targets: goals };
    mkdirSync(join(root, ".bench"), { recursive: true });
    writeFileSync(join(root, ".bench", args.smoke ? "smoke.json" : "results.json"), JSON.stringify(report, null, 2));
    if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2));
    if (args.write) writeBenchmarksMd(env, seconds, table, goalLines);
  } finally {
    stopAll();
  }
}

/** `--scenario scaling|sends`: edge-mfa only, on the runtime(s) of `--runtime`; prints its table, writes JSON. */
async function runScenario(name, started) {
  const scenarios = { scaling: scalingScenario, sends: sendsScenario };
  const fn = scenarios[name];
  if (!fn) throw new Error(`unknown scenario ${name}; one of ${Object.keys(scenarios).join(", ")}`);
  const stoppers = [];
  try {
    const out = await fn({
      log,
      runLoad,
      runtimes,
      reps: args.reps ? S.reps : 2,
      scale,
      smoke: Boolean(args.smoke),
      started,
      stoppers,
    });
    const env = environment();
    const seconds = (Date.now() - t0) / 1000;
    console.log(`\n${out.table}\n\n${env.date} · ${env.machine} · Node ${env.node} · ${seconds.toFixed(0)} s in all`);
    const report = { ...env, scenario: name, seconds, ...out };
    mkdirSync(join(root, ".bench"), { recursive: true });
    writeFileSync(join(root, ".bench", `${name}${args.smoke ? "-smoke" : ""}.json`), JSON.stringify(report, null, 2));
    if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2));
  } finally {
    for (const stop of stoppers) stop();
  }
}

function writeBenchmarksMd(env, seconds, table, goalLines) {
  const file = join(root, "BENCHMARKS.md");
  const text = readFileSync(file, "utf8");
  const begin = "<!-- bench:begin -->";
  const end = "<!-- bench:end -->";
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error("BENCHMARKS.md has no bench:begin/bench:end markers");
  const versions = Object.entries(env.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const block = `${begin}\nRun of ${env.date.slice(0, 16).replace("T", " ")} UTC, ${seconds.toFixed(0)} s in all, on ${env.machine}; Node ${env.node}; ${versions}. Cells are min–median–max over ${env.settings.reps} repetitions.\n\n${table}\n\n${goalLines}\n${end}`;
  writeFileSync(file, text.slice(0, i) + block + text.slice(j + end.length));
  log("wrote the tables into BENCHMARKS.md");
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
