/**
 * Regression tests for the attack-surface items of the security review (issue 10):
 *  7  webhook targets: no loopback, private, link-local or metadata address in production, at save
 *     and again at send;
 *  9  no cross-tenant existence oracle through caller-chosen ids;
 * 10  /api/login does the same storage work for unknown and known login ids, and answers 409 only
 *     after the password verified;
 * 14  a caller-supplied step-up code has at least 6 characters (NIST SP 800-63B §5.1.3.2).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { counters, resetCounters } from "../../src/services/instrumentation.ts";
import { keyedHash } from "../../src/services/hashing.ts";
import { utf8 } from "../../src/domain/encoding.ts";
import { sendWebhook } from "../../src/adapters/webhook-send.ts";
import { api, createApiKey, createApplication, createTenant } from "../helpers.ts";
import { app, call, createUser, PASSWORD, seedTenant } from "../support/mfa.ts";

const fieldError = (path: string, type: string) => ({
  fieldErrors: { [path]: [expect.objectContaining({ code: `[${type}]${path}` })] },
});

// ------------------------------------------------------------------ item 7

describe("webhook targets in production (item 7)", () => {
  const production = { app: createApp(), env: { ...env, ENVIRONMENT: "production" } as unknown as Env };
  const hostile = [
    "https://127.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/hook",
    "https://[::1]/hook",
    "https://localhost/hook",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://0x7f000001/hook",
    "https://2130706433/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[fd00::1]/hook",
    "https://[fe80::1]/hook",
    "https://api.localhost/hook",
  ];

  it("refuses loopback, private, link-local and metadata targets at save, with a field error on the url", async () => {
    const tenant = await createTenant();
    const { key } = await createApiKey(tenant.id);
    for (const url of hostile) {
      const r = await call("POST", "/api/webhook", {
        key,
        body: { webhook: { url, eventsEnabled: {} } },
        via: production,
      });
      expect({ url, status: r.status, body: r.body }).toEqual({
        url,
        status: 400,
        body: fieldError("webhook.url", "invalid"),
      });
    }
    const ok = await call("POST", "/api/webhook", {
      key,
      body: { webhook: { url: "https://example.com/hook", eventsEnabled: {} } },
      via: production,
    });
    expect(ok.status).toBe(200);
    for (const mode of ["PUT", "PATCH"]) {
      const r = await call(mode, `/api/webhook/${ok.body.webhook.id}`, {
        key,
        body: { webhook: { url: "https://169.254.169.254/", eventsEnabled: {} } },
        via: production,
      });
      expect({ mode, status: r.status, body: r.body }).toEqual({
        mode,
        status: 400,
        body: fieldError("webhook.url", "invalid"),
      });
    }
  });

  it("development and tests keep their local listener", async () => {
    const tenant = await createTenant();
    const { key } = await createApiKey(tenant.id);
    expect(
      (await api("/api/webhook", { method: "POST", key, body: { webhook: { url: "http://127.0.0.1:9/hook" } } }))
        .status,
    ).toBe(200);
  });

  it("the sender re-checks the target before fetching: a stored private URL is never fetched in production", async () => {
    const fetched: string[] = [];
    const fetchFn = async (url: string) => {
      fetched.push(url);
      return new Response(null, { status: 204 });
    };
    const req = { headers: {}, timeoutMs: 1000, secret: "s", body: "{}", eventId: "e", attempt: 1, now: 1 };
    for (const url of [
      "http://127.0.0.1:8080/hook",
      "https://169.254.169.254/",
      "https://0x7f000001/",
      "https://[::ffff:10.0.0.5]/",
    ]) {
      const out = await sendWebhook({ ...req, url }, fetchFn, { production: true });
      expect({ url, out }).toEqual({
        url,
        out: { ok: false, statusCode: null, error: "target refused by the webhook URL policy", permanent: true },
      });
    }
    expect(fetched).toEqual([]);
    expect(await sendWebhook({ ...req, url: "http://127.0.0.1:8080/hook" }, fetchFn, { production: false })).toEqual({
      ok: true,
      statusCode: 204,
    });
    expect(await sendWebhook({ ...req, url: "https://example.com/hook" }, fetchFn, { production: true })).toEqual({
      ok: true,
      statusCode: 204,
    });
    expect(fetched).toEqual(["http://127.0.0.1:8080/hook", "https://example.com/hook"]);
  });
});

// ------------------------------------------------------------------ item 9

describe("no existence oracle through caller-chosen ids (item 9)", () => {
  it("tenant B's key creating a user with tenant A's user id gets the answer a fresh id gets", async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    const victim = await createUser(a.key);
    const body = { user: { email: `probe-${crypto.randomUUID()}@example.com`, password: PASSWORD } };
    const probe = await call("POST", `/api/user/${victim.id}`, { key: b.key, body });
    const fresh = await call("POST", `/api/user/${crypto.randomUUID()}`, { key: b.key, body });
    expect({ status: probe.status, body: probe.body }).toEqual({ status: fresh.status, body: fresh.body });
    expect(probe.body).toEqual(fieldError("userId", "invalid"));
    // The victim is untouched, and B can still create users with generated ids.
    expect((await call("GET", `/api/user/${victim.id}`, { key: a.key })).body.user.email).toBe(victim.email);
    expect((await call("POST", "/api/user", { key: b.key, body })).status).toBe(200);
  });

  it("tenant B's key creating an application with tenant A's application id gets the answer a fresh id gets", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const { key: keyB } = await createApiKey(b.id);
    const appA = await createApplication(a.id);
    const body = { application: { name: "probe" } };
    const probe = await api(`/api/application/${appA.id}`, { method: "POST", key: keyB, body });
    const fresh = await api(`/api/application/${crypto.randomUUID()}`, { method: "POST", key: keyB, body });
    expect({ status: probe.status, json: probe.json }).toEqual({ status: fresh.status, json: fresh.json });
    expect(probe.json).toEqual(fieldError("applicationId", "invalid"));
  });

  it("tenant B's key creating an API key with tenant A's key id gets the answer a fresh id gets", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const keyA = await createApiKey(a.id);
    const { key: keyB } = await createApiKey(b.id);
    const probe = await api(`/api/api-key/${keyA.id}`, { method: "POST", key: keyB, body: { apiKey: {} } });
    const fresh = await api(`/api/api-key/${crypto.randomUUID()}`, { method: "POST", key: keyB, body: { apiKey: {} } });
    expect({ status: probe.status, json: probe.json }).toEqual({ status: fresh.status, json: fresh.json });
    expect(probe.json).toEqual(fieldError("keyId", "invalid"));
  });

  it("tenant B's key creating a tenant with tenant A's id gets the answer a fresh id gets (401: tenants need an all-tenants key)", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const { key: keyB } = await createApiKey(b.id);
    const body = { tenant: { name: "probe" } };
    const probe = await api(`/api/tenant/${a.id}`, { method: "POST", key: keyB, body });
    const fresh = await api(`/api/tenant/${crypto.randomUUID()}`, { method: "POST", key: keyB, body });
    expect({ status: probe.status, text: probe.text }).toEqual({ status: 401, text: "" });
    expect({ status: fresh.status, text: fresh.text }).toEqual({ status: 401, text: "" });
  });

  it("a key valid for all tenants may still choose ids (imports that keep ids)", async () => {
    const t = await createTenant();
    const id = crypto.randomUUID();
    const r = await api(`/api/user/${id}`, {
      method: "POST",
      tenantId: t.id,
      body: { user: { email: `kept-${id}@example.com` } },
    });
    expect({ status: r.status, id: r.json.user.id }).toEqual({ status: 200, id });
    const appId = crypto.randomUUID();
    expect(
      (
        await api(`/api/application/${appId}`, {
          method: "POST",
          tenantId: t.id,
          body: { application: { name: "kept" } },
        })
      ).json.application.id,
    ).toBe(appId);
    const keyId = crypto.randomUUID();
    expect(
      (await api(`/api/api-key/${keyId}`, { method: "POST", body: { apiKey: { tenantId: t.id } } })).json.apiKey.id,
    ).toBe(keyId);
  });
});

// ------------------------------------------------------------------ item 10

describe("/api/login: no oracle by work or by 409 (item 10)", () => {
  const instrumented = { app, env: { ...env, BENCH_INSTRUMENTATION: "1" } as unknown as Env };

  async function work(key: string, loginId: string, password: string) {
    resetCounters();
    const r = await call("POST", "/api/login", { key, body: { loginId, password }, via: instrumented });
    return { status: r.status, doCalls: counters.doCalls, d1Queries: counters.d1Queries };
  }

  it("an unknown login id makes the same storage calls as a known one with a wrong password", async () => {
    const { key } = await seedTenant();
    const u = await createUser(key);
    const known = await work(key, u.email, "wrong password!");
    const unknown = await work(key, `nobody-${crypto.randomUUID()}@example.com`, "wrong password!");
    expect(known.doCalls).toBeGreaterThan(0);
    expect(unknown).toEqual(known);
  });

  it("a locked account answers a wrong password 404 like any wrong password, and the right one 409", async () => {
    const { key } = await seedTenant({
      failedAuthenticationConfiguration: {
        tooManyAttempts: 3,
        resetCountInSeconds: 600,
        actionDuration: 5,
        actionDurationUnit: "MINUTES",
      },
    });
    const u = await createUser(key);
    for (let i = 0; i < 3; i++)
      await call("POST", "/api/login", { key, body: { loginId: u.email, password: `wrong ${i}` } });
    const wrong = await call("POST", "/api/login", { key, body: { loginId: u.email, password: "still wrong" } });
    expect({ status: wrong.status, text: wrong.text }).toEqual({ status: 404, text: "" });
    const right = await call("POST", "/api/login", { key, body: { loginId: u.email, password: PASSWORD } });
    expect(right.status).toBe(409);
  });

  it("an unknown login id answers exactly like a known one through the whole lock sequence", async () => {
    const { key } = await seedTenant({
      failedAuthenticationConfiguration: {
        tooManyAttempts: 3,
        resetCountInSeconds: 600,
        actionDuration: 5,
        actionDurationUnit: "MINUTES",
      },
    });
    const u = await createUser(key);
    const nobody = `nobody-${crypto.randomUUID()}@example.com`;
    const seq = async (loginId: string) => {
      const out: number[] = [];
      for (let i = 0; i < 5; i++)
        out.push((await call("POST", "/api/login", { key, body: { loginId, password: `wrong ${i}` } })).status);
      return out;
    };
    const known = await seq(u.email);
    expect(await seq(nobody)).toEqual(known);
    expect(known.filter((s) => s === 409)).toHaveLength(1); // only the attempt that reached the limit says so
  });
});

describe("/api/login: stand-in guards of unknown login ids erase themselves (item 10 follow-up)", () => {
  const policy = {
    tooManyAttempts: 3,
    resetCountInSeconds: 600,
    lockSeconds: 300,
    alert: { enabled: false, failedAttempts: 3, windowSeconds: 900 },
  };

  it("a stand-in counts failures like a user's guard, then its alarm erases every key once the day is over", async () => {
    const stub = env.USER_GUARD.get(env.USER_GUARD.idFromName(`t:unknown-login:${crypto.randomUUID()}`));
    const now = Math.floor(Date.now() / 1000);
    const verdicts = [];
    for (let i = 0; i < 4; i++) verdicts.push((await stub.recordStandInFailure(policy, now)).status);
    expect(verdicts).toEqual(["invalid", "invalid", "locked", "locked"]);
    // Before its time the alarm only re-arms: the lock stays.
    await runDurableObjectAlarm(stub);
    expect(await runInDurableObject(stub, (_o, state) => state.storage.kv.get("lockout"))).toBeDefined();
    // Its day is over (moved into the past): the alarm leaves nothing behind.
    await runInDurableObject(stub, (_o, state) => state.storage.kv.put("stand-in-expires", Date.now() - 1));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_o, state) => [...state.storage.kv.list()].length)).toBe(0);
  });

  it("POST /api/login with an unknown login id arms the stand-in's erasure; a real user's guard never erases itself", async () => {
    const { tenantId, key } = await seedTenant();
    const u = await createUser(key);
    const nobody = `nobody-${crypto.randomUUID()}@example.com`;
    for (const loginId of [u.email, nobody])
      await call("POST", "/api/login", { key, body: { loginId, password: "wrong password!" } });
    const standInName = `unknown-login:${await keyedHash(utf8(env.HASH_PEPPER), "unknown-login", tenantId, nobody)}`;
    const expiry = (name: string) =>
      runInDurableObject(env.USER_GUARD.get(env.USER_GUARD.idFromName(`${tenantId}:${name}`)), (_o, state) => ({
        expires: state.storage.kv.get("stand-in-expires") as number | undefined,
        lockout: state.storage.kv.get("lockout") !== undefined,
      }));
    const standIn = await expiry(standInName);
    expect(standIn.lockout).toBe(true);
    expect(standIn.expires).toBeGreaterThan(Date.now() + 86_000_000);
    expect(await expiry(u.id)).toEqual({ expires: undefined, lockout: true });
  });
});

// ------------------------------------------------------------------ item 14

describe("/api/two-factor/start: caller-supplied code strength (item 14)", () => {
  it("refuses a code shorter than 6 characters with [invalid]code; 6 are accepted", async () => {
    const { key } = await seedTenant();
    const u = await createUser(key);
    for (const code of ["1234", "ABCD", "12345"]) {
      const r = await call("POST", "/api/two-factor/start", { key, body: { userId: u.id, code } });
      expect({ code, status: r.status, body: r.body }).toEqual({
        code,
        status: 400,
        body: fieldError("code", "invalid"),
      });
    }
    const ok = await call("POST", "/api/two-factor/start", { key, body: { userId: u.id, code: "123456" } });
    expect({ status: ok.status, code: ok.body.code }).toEqual({ status: 200, code: "123456" });
  });
});
