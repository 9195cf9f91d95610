/**
 * `POST /api/two-factor/start` checks a known tenant-scoped API key inside its own first D1 batch
 * (src/middleware/auth.ts KEY_CHECK_IN_ROUTE) instead of a round trip of its own (issue 15). The
 * key is still checked on every request (OWASP API Security Top 10 2023 API2): a deleted key is
 * answered 401 at once, before any other error, and tenant settings changed in D1 apply at once.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { counters, resetCounters } from "../../src/services/instrumentation.ts";
import { keyedHash } from "../../src/services/hashing.ts";
import { utf8 } from "../../src/domain/encoding.ts";
import { call, createUser, seedTenant } from "../support/mfa.ts";

const instrumented = { app: createApp(), env: { ...env, BENCH_INSTRUMENTATION: "1" } as unknown as Env };

async function deleteKey(key: string): Promise<void> {
  const hash = await keyedHash(utf8(env.HASH_PEPPER), "api-key", key);
  await env.DB.prepare("DELETE FROM api_keys WHERE key_hash = ?").bind(hash).run();
}

describe("POST /api/two-factor/start: the key check rides in the route's D1 batch", () => {
  it("a known key costs one D1 statement (user, key, tenant and signing key together) before the guard call", async () => {
    const { key } = await seedTenant();
    const u = await createUser(key);
    expect(
      (await call("POST", "/api/two-factor/start", { key, body: { userId: u.id }, via: instrumented })).status,
    ).toBe(200);
    resetCounters();
    const r = await call("POST", "/api/two-factor/start", { key, body: { userId: u.id }, via: instrumented });
    expect(r.status).toBe(200);
    expect({ d1: counters.d1Queries, doCalls: counters.doCalls }).toEqual({ d1: 1, doCalls: 1 });
  });

  it("a key deleted after it was seen answers 401, also where the request is otherwise wrong", async () => {
    const { key } = await seedTenant();
    const u = await createUser(key);
    expect((await call("POST", "/api/two-factor/start", { key, body: { userId: u.id } })).status).toBe(200);
    await deleteKey(key);
    expect((await call("POST", "/api/two-factor/start", { key, body: { userId: u.id } })).status).toBe(401);
    // Seen valid again by no one: every later answer is 401 too, whatever else is wrong.
    expect((await call("POST", "/api/two-factor/start", { key, body: {} })).status).toBe(401);
    expect((await call("POST", "/api/two-factor/start", { key, body: { userId: crypto.randomUUID() } })).status).toBe(
      401,
    );
  });

  it("a key deleted after it was seen answers 401 before a body error or an unknown user", async () => {
    for (const body of [{}, { userId: crypto.randomUUID() }]) {
      const { key } = await seedTenant();
      const u = await createUser(key);
      expect((await call("POST", "/api/two-factor/start", { key, body: { userId: u.id } })).status).toBe(200);
      await deleteKey(key);
      expect((await call("POST", "/api/two-factor/start", { key, body })).status).toBe(401);
    }
  });

  it("a known key naming another tenant in X-FusionAuth-TenantId answers 401", async () => {
    const { key } = await seedTenant();
    const other = await seedTenant();
    const u = await createUser(key);
    expect((await call("POST", "/api/two-factor/start", { key, body: { userId: u.id } })).status).toBe(200);
    const r = await call("POST", "/api/two-factor/start", {
      key,
      body: { userId: u.id },
      headers: { "x-fusionauth-tenantid": other.tenantId },
    });
    expect(r.status).toBe(401);
  });

  it("tenant settings changed straight in D1 apply to the next start", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await createUser(key, { username: `name-${crypto.randomUUID()}` });
    expect((await call("POST", "/api/two-factor/start", { key, body: { userId: u.id } })).status).toBe(200);
    const lock = {
      failedAuthenticationConfiguration: {
        tooManyAttempts: 1,
        resetCountInSeconds: 600,
        actionDuration: 5,
        actionDurationUnit: "MINUTES",
      },
    };
    await env.DB.prepare("UPDATE tenants SET settings = ? WHERE id = ?").bind(JSON.stringify(lock), tenantId).run();
    const start = await call("POST", "/api/two-factor/start", { key, body: { userId: u.id } });
    expect(start.status).toBe(200);
    // One wrong code now locks (tooManyAttempts 1 from the new settings): 409 on the next attempt.
    await call("POST", "/api/two-factor/login", { body: { twoFactorId: start.body.twoFactorId, code: "000000" } });
    const again = await call("POST", "/api/two-factor/start", { key, body: { userId: u.id } });
    expect(again.status).toBe(409);
  });
});
