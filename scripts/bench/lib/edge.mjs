/**
 * edge-mfa under `wrangler dev` (local D1 and Durable Objects, BENCH_INSTRUMENTATION=1, wrangler's
 * log level `error`) or, with `--runtime miniflare`, in one workerd process without wrangler's proxy
 * (./miniflare.mjs): seeding through its API and the measured paths.
 */
import { randomBytes } from "node:crypto";
import { startWranglerDev } from "../../lib/wrangler-dev.mjs";
import { startMiniflare } from "./miniflare.mjs";
import { call, expectCall, pool } from "./http.mjs";
import { base32Encode, stepAt, totpAt } from "./totp.mjs";

const PASSWORD = "bench password 0123456789";
const json = (o) => JSON.stringify(o);

export const RUNTIMES = {
  wrangler: { label: "wrangler dev", start: startWranglerDev },
  miniflare: { label: "Miniflare (one workerd)", start: startMiniflare },
};

/**
 * Starts edge-mfa on `runtime` ("wrangler" | "miniflare") and creates the bench tenant, application
 * and API key. `settings` are extra worker settings (e.g. the sends scenario's MAIL_*).
 */
export async function startEdge(log, { runtime = "wrangler", settings, inspectorPort } = {}) {
  const rt = RUNTIMES[runtime];
  if (!rt) throw new Error(`unknown runtime ${runtime}; one of ${Object.keys(RUNTIMES).join(", ")}`);
  const server = await rt.start({
    prefix: `edge-mfa-bench-${runtime}-`,
    vars: { BENCH_INSTRUMENTATION: "1" },
    logLevel: "error",
    ...(settings ? { settings } : {}),
    ...(inspectorPort ? { inspectorPort } : {}),
  });
  log(`edge-mfa: ${rt.label} answered after ${(server.startMs / 1000).toFixed(1)} s at ${server.baseUrl}`);
  server.child.on("exit", (code, signal) =>
    log(
      `edge-mfa: ${rt.label} exited (${code ?? signal}); its last output:\n${server.log().split("\n").slice(-20).join("\n")}`,
    ),
  );
  const base = server.baseUrl;
  const boot = { authorization: server.bootstrapKey };
  const tenant = (
    await expectCall(200, base, "POST", "/api/tenant", { headers: boot, json: { tenant: { name: "Bench tenant" } } })
  ).body.tenant;
  const tenantHeaders = { ...boot, "x-fusionauth-tenantid": tenant.id };
  const app = (
    await expectCall(200, base, "POST", "/api/application", {
      headers: tenantHeaders,
      json: { application: { name: "Bench app" } },
    })
  ).body.application;
  const key = (
    await expectCall(200, base, "POST", "/api/api-key", { headers: boot, json: { apiKey: { tenantId: tenant.id } } })
  ).body.apiKey.key;
  return {
    runtime,
    server,
    base,
    key,
    tenantId: tenant.id,
    applicationId: app.id,
    pid: server.child.pid,
    totpUsers: [],
    loginUsers: [],
  };
}

/** A user with one authenticator method enrolled at the current step (so that step is spent). */
async function enrolledUser(edge, email, password) {
  const auth = { authorization: edge.key };
  const user = (
    await expectCall(200, edge.base, "POST", "/api/user", {
      headers: auth,
      json: { user: password ? { email, password } : { email } },
    })
  ).body.user;
  const secret = randomBytes(20);
  const step = stepAt();
  await expectCall(200, edge.base, "POST", `/api/user/two-factor/${user.id}`, {
    headers: auth,
    json: {
      method: "authenticator",
      secret: secret.toString("base64"),
      secretBase32Encoded: base32Encode(secret),
      code: totpAt(secret, step),
    },
  });
  return { id: user.id, email, secret, lastStep: step };
}

export async function seedEdge(edge, { totpUsers, loginUsers }, log) {
  const tag = randomBytes(4).toString("hex");
  const t = Date.now();
  edge.totpUsers = await pool(totpUsers, 8, async (i) => {
    const u = await enrolledUser(edge, `totp-${tag}-${i}@bench.test`);
    if ((i + 1) % 400 === 0) log(`edge-mfa: ${i + 1} users enrolled (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    return u;
  });
  edge.loginUsers = await pool(loginUsers, 4, (i) => enrolledUser(edge, `login-${tag}-${i}@bench.test`, PASSWORD));
}

/**
 * `count` users whose authenticator can accept a new code now. A code is taken at send time for
 * step max(last accepted + 1, now), which the service accepts (±1 step) and never sees twice.
 */
function eligibleUsers(edge, count) {
  const now = stepAt();
  const ready = edge.totpUsers.filter((u) => u.lastStep <= now);
  if (ready.length < count)
    throw new Error(`only ${ready.length} TOTP users can take a fresh code now; ${count} needed (raise the pool)`);
  return ready.slice(0, count);
}

function freshCode(user) {
  const step = Math.max(user.lastStep + 1, stepAt());
  user.lastStep = step;
  return totpAt(user.secret, step);
}

async function startChallenges(edge, users) {
  return pool(users.length, 16, async (i) => {
    const r = await expectCall(200, edge.base, "POST", "/api/two-factor/start", {
      headers: { authorization: edge.key },
      json: { userId: users[i].id },
    });
    return { user: users[i], twoFactorId: r.body.twoFactorId, code: r.body.code };
  });
}

const loginHeaders = { "content-type": "application/json" };

/** The measured paths. `prepare(n)` returns n request items (a request, or a function making one at send time). */
export function edgePaths(edge) {
  const keyed = { authorization: edge.key, "content-type": "application/json" };
  const cycle = (list, make) => (n) => Array.from({ length: n }, (_, i) => make(list[i % list.length]));
  return [
    {
      id: "noop",
      label: "GET /__bench/noop (floor)",
      prepare: (n) => Array.from({ length: n }, () => ({ method: "GET", path: "/__bench/noop" })),
    },
    {
      id: "start",
      label: "POST /api/two-factor/start",
      prepare: cycle(edge.totpUsers, (u) => ({
        method: "POST",
        path: "/api/two-factor/start",
        headers: keyed,
        body: json({ userId: u.id }),
      })),
    },
    {
      id: "verify-totp",
      deferred: true,
      label: "POST /api/two-factor/login (TOTP)",
      prepare: async (n) =>
        (await startChallenges(edge, eligibleUsers(edge, n))).map((c) => () => ({
          method: "POST",
          path: "/api/two-factor/login",
          headers: loginHeaders,
          body: json({ twoFactorId: c.twoFactorId, code: freshCode(c.user) }),
        })),
    },
    {
      id: "verify-code",
      deferred: true,
      label: "POST /api/two-factor/login (start code)",
      prepare: async (n) => {
        const users = Array.from({ length: n }, (_, i) => edge.totpUsers[i % edge.totpUsers.length]);
        return (await startChallenges(edge, users)).map((c) => ({
          method: "POST",
          path: "/api/two-factor/login",
          headers: loginHeaders,
          body: json({ twoFactorId: c.twoFactorId, code: c.code }),
        }));
      },
    },
    {
      id: "login",
      deferred: true,
      label: "POST /api/login (242)",
      expect: 242,
      prepare: cycle(edge.loginUsers, (u) => ({
        method: "POST",
        path: "/api/login",
        headers: keyed,
        body: json({ loginId: u.email, password: PASSWORD, applicationId: edge.applicationId }),
      })),
    },
    {
      id: "get-user",
      label: "GET /api/user/{id}",
      prepare: cycle(edge.totpUsers, (u) => ({
        method: "GET",
        path: `/api/user/${u.id}`,
        headers: { authorization: edge.key },
      })),
    },
  ];
}

export async function resetCounters(edge) {
  await expectCall(200, edge.base, "POST", "/__bench/counters/reset");
  await expectCall(200, edge.base, "POST", "/__bench/alarms/reset");
}

export async function readCounters(edge) {
  return (await call(edge.base, "GET", "/__bench/counters")).body;
}

/**
 * Waits until the UserGuard alarms that a run's completions scheduled (outbox flush, 2–5 s after the
 * first event) have all run: at least `flushWindowMs` after the run's end, then until no alarm has
 * ended for 500 ms. Their CPU then counts toward the run that caused it, and the next run starts on
 * a quiet runtime.
 */
export async function drainDeferred(edge, runEnd, flushWindowMs = 5500) {
  for (;;) {
    const alarms = (await call(edge.base, "GET", "/__bench/alarms")).body ?? [];
    const lastEnd = alarms.reduce((m, x) => Math.max(m, x.end), 0);
    const now = Date.now();
    if (now - runEnd >= flushWindowMs && now - lastEnd >= 500) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}
