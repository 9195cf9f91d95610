/**
 * Opt-in scenarios of issue 15 (`npm run bench -- --scenario scaling|sends [--runtime …]`), edge-mfa
 * only; BENCHMARKS.md "Issue 15: runtime, scaling and sends" has the results and what they mean.
 *
 * - scaling: completion throughput (`POST /api/two-factor/login` with the start code) at c16 and c64
 *   with 1, 16 and 256 distinct users. Every request completes its own challenge; with 1 user they all
 *   go to the same UserGuard. The start code, not TOTP, because the TOTP replay rule admits one code
 *   per time step and user (RFC 6238 §5.2), so one user cannot complete hundreds of TOTP challenges.
 * - sends: `POST /api/two-factor/send/{twoFactorId}` at c64 for 1 user vs 64 users of one tenant,
 *   mail through the Resend adapter to a local mock in this process (answers 200 at once). The bench
 *   tenant's send caps are raised through the tenant API (per user and per destination to the
 *   schema's maximum of 100 an hour, so the 1-user case gets a fresh user per repetition and 96 sends).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { drainDeferred, resetCounters, readCounters, seedEdge, startEdge } from "./edge.mjs";
import { expectCall, pool, queue } from "./http.mjs";
import { cpuSplit, treeCpuByProcess } from "./proc.mjs";

const json = (o) => JSON.stringify(o);

/** One measured load run against `edge` with its CPU per request and status counts. */
async function measureRun(ctx, edge, { connections, items, deferred }) {
  await resetCounters(edge);
  const before = treeCpuByProcess(edge.pid);
  const r = await ctx.runLoad({ url: edge.base, connections, amount: items.length, next: queue(items) });
  if (deferred) await drainDeferred(edge, Date.now());
  const split = cpuSplit(before, treeCpuByProcess(edge.pid));
  const counters = await readCounters(edge);
  const ok = r.ok || 1;
  const cpu = split.reduce((n, p) => n + p.seconds, 0);
  return {
    requests: items.length,
    statuses: r.statuses,
    errors: r.errors,
    rps: r.rps,
    p50: r.p50,
    p99: r.p99,
    cpuMs: (cpu * 1000) / ok,
    cpuSplit: split.map((p) => ({ name: p.name, ms: (p.seconds * 1000) / ok })),
    doCalls: counters.doCalls / ok,
  };
}

const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d) => (Number.isFinite(x) ? x.toFixed(d ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2)) : "–");
const cell = (runs, key, d) => {
  const xs = runs.map((r) => r[key]);
  return runs.length > 1
    ? `${fmt(Math.min(...xs), d)}–${fmt(median(xs), d)}–${fmt(Math.max(...xs), d)}`
    : fmt(xs[0], d);
};
const statusCell = (runs) => {
  const total = {};
  for (const r of runs) for (const [s, n] of Object.entries(r.statuses)) total[s] = (total[s] ?? 0) + n;
  return Object.entries(total)
    .map(([s, n]) => `${s}×${n}`)
    .join(" ");
};

async function startEdges(ctx, opts = {}) {
  const edges = await Promise.all(ctx.runtimes.map((runtime) => startEdge(ctx.log, { runtime, ...opts })));
  ctx.started.push(...edges.map((e) => e.server));
  return edges;
}

// ---------------------------------------------------------------------------------------------
// scaling

export async function scalingScenario(ctx) {
  const smoke = ctx.smoke;
  const userCounts = [1, 16, 256];
  const concurrencies = smoke ? [4, 16] : [16, 64];
  const perRun = smoke ? 32 : Math.round(512 * ctx.scale);
  const edges = await startEdges(ctx);
  ctx.log(`scaling: seeding ${smoke ? 16 : 256} users on ${edges.length} runtime(s)`);
  await Promise.all(edges.map((e) => seedEdge(e, { totpUsers: smoke ? 16 : 256, loginUsers: 0 }, ctx.log)));
  const usersFor = (edge, u) => edge.totpUsers.slice(0, Math.min(u, edge.totpUsers.length));

  /** `n` completions with the start code, each on its own challenge, users cycled. */
  const prepare = async (edge, users, n) =>
    (
      await pool(n, 16, async (i) => {
        const user = users[i % users.length];
        const r = await expectCall(200, edge.base, "POST", "/api/two-factor/start", {
          headers: { authorization: edge.key },
          json: { userId: user.id },
        });
        return r.body;
      })
    ).map((c) => ({
      method: "POST",
      path: "/api/two-factor/login",
      headers: { "content-type": "application/json" },
      body: json({ twoFactorId: c.twoFactorId, code: c.code }),
    }));

  ctx.log("scaling: warming up");
  for (const edge of edges) {
    const items = await prepare(edge, usersFor(edge, 16), 64);
    await measureRun(ctx, edge, { connections: 16, items, deferred: true });
  }
  const results = [];
  for (let rep = 1; rep <= ctx.reps; rep++) {
    for (const c of concurrencies) {
      for (const u of userCounts) {
        for (const edge of edges) {
          const items = await prepare(edge, usersFor(edge, u), perRun);
          const r = await measureRun(ctx, edge, { connections: c, items, deferred: true });
          results.push({ runtime: edge.runtime, users: u, concurrency: c, rep, ...r });
          ctx.log(
            `scaling rep ${rep} ${edge.runtime.padEnd(9)} c${c} ${String(u).padStart(3)} users  ${fmt(r.rps, 0).padStart(5)} req/s  p50 ${fmt(r.p50)}  p99 ${fmt(r.p99)} ms  CPU ${fmt(r.cpuMs)} ms/req  ${JSON.stringify(r.statuses)}`,
          );
          const good = r.statuses[200] ?? 0;
          if (good !== items.length)
            throw new Error(
              `scaling c${c} ${u} users: ${good}/${items.length} answered 200 (${JSON.stringify(r.statuses)})`,
            );
        }
      }
    }
  }

  const lines = [
    `| runtime | concurrency | users | req/s | p50 ms | p99 ms | CPU ms/req | req/s ÷ 1 user |`,
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const edge of edges)
    for (const c of concurrencies)
      for (const u of userCounts) {
        const runs = results.filter((r) => r.runtime === edge.runtime && r.concurrency === c && r.users === u);
        const base = results.filter((r) => r.runtime === edge.runtime && r.concurrency === c && r.users === 1);
        const ratios = runs.map((r) => r.rps / base.find((b) => b.rep === r.rep).rps);
        lines.push(
          `| ${edge.runtime} | ${c} | ${u} | ${cell(runs, "rps", 0)} | ${cell(runs, "p50")} | ${cell(runs, "p99")} | ${cell(runs, "cpuMs")} | ${
            u === 1
              ? "1"
              : cell(
                  ratios.map((x) => ({ x })),
                  "x",
                )
          } |`,
        );
      }
  return { results, table: lines.join("\n"), settings: { userCounts, concurrencies, perRun } };
}

// ---------------------------------------------------------------------------------------------
// sends

/** A stand-in for Resend's `POST /emails` on loopback: 200 with an id at once; keeps the last code per recipient. */
export async function startMailMock() {
  const codes = new Map();
  let count = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      count++;
      try {
        const msg = JSON.parse(body);
        const code = /\b(\d{6})\b/.exec(msg.text ?? "")?.[1];
        if (code) codes.set(msg.to?.[0], code);
      } catch {
        /* not JSON: answered all the same */
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(json({ id: randomUUID() }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, codes, url: `http://127.0.0.1:${server.address().port}`, count: () => count };
}

/** Send caps raised for the bench tenant: per user and per destination to the schema's maximum (100/h). */
export const BENCH_SEND_LIMITS = {
  perChallenge: 20,
  perUserPerHour: 100,
  perDestinationPerHour: 100,
  perIpPerHour: 100_000,
  perTenantPerHour: 1_000_000,
  resendCooldownSeconds: 0,
};

export async function sendsTenant(edge) {
  const boot = { authorization: edge.server.bootstrapKey };
  const tenant = (
    await expectCall(200, edge.base, "POST", "/api/tenant", {
      headers: boot,
      json: {
        tenant: {
          name: "Bench sends tenant",
          multiFactorConfiguration: { email: { enabled: true }, sendLimits: BENCH_SEND_LIMITS },
        },
      },
    })
  ).body.tenant;
  const key = (
    await expectCall(200, edge.base, "POST", "/api/api-key", {
      headers: boot,
      json: { apiKey: { tenantId: tenant.id } },
    })
  ).body.apiKey.key;
  return { tenantId: tenant.id, key };
}

/** A user with one email method, enabled through the API (the enable code is read from the mock). */
export async function emailUser(edge, t, mock, email) {
  const auth = { authorization: t.key };
  const user = (await expectCall(200, edge.base, "POST", "/api/user", { headers: auth, json: { user: { email } } }))
    .body.user;
  await expectCall(200, edge.base, "POST", "/api/two-factor/send", {
    headers: auth,
    json: { userId: user.id, method: "email", email },
  });
  const code = mock.codes.get(email);
  if (!code) throw new Error(`sends: no enable code reached the mail mock for ${email}`);
  await expectCall(200, edge.base, "POST", `/api/user/two-factor/${user.id}`, {
    headers: auth,
    json: { method: "email", email, code },
  });
  const got = (await expectCall(200, edge.base, "GET", `/api/user/${user.id}`, { headers: auth })).body.user;
  const methodId = got.twoFactor.methods.find((m) => m.method === "email").id;
  return { id: user.id, email, methodId };
}

export async function sendsScenario(ctx) {
  const smoke = ctx.smoke;
  const mock = await startMailMock();
  ctx.stoppers.push(() => mock.server.close());
  const settings = {
    MAIL_PROVIDER: "resend",
    MAIL_API_KEY: "re_bench_only",
    MAIL_FROM: "bench@bench.test",
    MAIL_API_BASE_URL: mock.url,
  };
  const edges = await startEdges(ctx, { settings });
  const concurrency = smoke ? 8 : 64;
  const manyUsers = smoke ? 8 : 64;
  // 1 user: at most 100 sends an hour (its enable send included), so 96 per repetition, fresh user each time.
  const cases = smoke
    ? [
        { id: "1 user", users: 1, n: 16 },
        { id: `${manyUsers} users`, users: manyUsers, n: 16 },
      ]
    : [
        { id: "1 user", users: 1, n: 96 },
        { id: `${manyUsers} users`, users: manyUsers, n: 96 },
        {
          id: `${manyUsers} users, ${Math.round(640 * ctx.scale)} sends`,
          users: manyUsers,
          n: Math.round(640 * ctx.scale),
        },
      ];
  const tag = randomBytes(4).toString("hex");
  let fresh = 0;
  const newUser = (edge, t) => emailUser(edge, t, mock, `send-${tag}-${fresh++}@bench.test`);
  ctx.log(`sends: seeding ${manyUsers} users with an email method on ${edges.length} runtime(s)`);
  const setups = await Promise.all(
    edges.map(async (edge) => {
      const t = await sendsTenant(edge);
      const users = await pool(manyUsers, 8, () => newUser(edge, t));
      return { edge, t, users };
    }),
  );

  /** One challenge per send (so `perChallenge` and the cooldown play no part), users cycled. */
  const prepare = async ({ edge, t }, users, n) =>
    (
      await pool(n, 16, async (i) => {
        const u = users[i % users.length];
        const r = await expectCall(200, edge.base, "POST", "/api/two-factor/start", {
          headers: { authorization: t.key },
          json: { userId: u.id },
        });
        return { twoFactorId: r.body.twoFactorId, methodId: u.methodId };
      })
    ).map((c) => ({
      method: "POST",
      path: `/api/two-factor/send/${c.twoFactorId}`,
      headers: { "content-type": "application/json" },
      body: json({ methodId: c.methodId }),
    }));

  ctx.log("sends: warming up");
  for (const s of setups) {
    const items = await prepare(s, [await newUser(s.edge, s.t)], 16);
    await measureRun(ctx, s.edge, { connections: 8, items, deferred: false });
  }
  const results = [];
  for (let rep = 1; rep <= ctx.reps; rep++) {
    for (const k of cases) {
      for (const s of setups) {
        const users = k.users === 1 ? [await newUser(s.edge, s.t)] : s.users;
        const items = await prepare(s, users, k.n);
        const mailed = mock.count();
        const r = await measureRun(ctx, s.edge, { connections: concurrency, items, deferred: false });
        const delivered = mock.count() - mailed;
        results.push({ runtime: s.edge.runtime, case: k.id, users: k.users, rep, delivered, ...r });
        ctx.log(
          `sends rep ${rep} ${s.edge.runtime.padEnd(9)} c${concurrency} ${k.id.padEnd(22)} ${fmt(r.rps, 0).padStart(5)} req/s  p50 ${fmt(r.p50)}  p99 ${fmt(r.p99)} ms  CPU ${fmt(r.cpuMs)} ms/req  DO ${fmt(r.doCalls)}  mails ${delivered}  ${JSON.stringify(r.statuses)}`,
        );
        const other = Object.entries(r.statuses).filter(([st]) => st !== "200" && st !== "429");
        if (other.length || r.errors)
          throw new Error(`sends ${k.id}: unexpected answers ${JSON.stringify(r.statuses)}, errors ${r.errors}`);
      }
    }
  }

  const lines = [
    `| runtime | case (c${concurrency}) | req/s (200 only) | p50 ms | p99 ms | CPU ms/req | DO calls/req | answers | req/s ÷ 1 user |`,
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const s of setups)
    for (const k of cases) {
      const runs = results.filter((r) => r.runtime === s.edge.runtime && r.case === k.id);
      const base = results.filter((r) => r.runtime === s.edge.runtime && r.users === 1);
      const ratios = runs.map((r) => ({ x: r.rps / base.find((b) => b.rep === r.rep).rps }));
      lines.push(
        `| ${s.edge.runtime} | ${k.id} | ${cell(runs, "rps", 0)} | ${cell(runs, "p50")} | ${cell(runs, "p99")} | ${cell(runs, "cpuMs")} | ${fmt(median(runs.map((r) => r.doCalls)))} | ${statusCell(runs)} | ${k.users === 1 ? "1" : cell(ratios, "x")} |`,
      );
    }
  return { results, table: lines.join("\n"), settings: { concurrency, cases, sendLimits: BENCH_SEND_LIMITS } };
}
