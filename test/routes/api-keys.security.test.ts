/**
 * API key handling (OWASP API Security Top 10 2023 API1, API2; ASVS 14.2.1).
 *
 * Threats: a database leak that yields usable keys (keys must be stored only as keyed hashes); a
 * revoked key that keeps working from a cache; keys accepted from URLs (they end up in logs and
 * Referer headers); JWT-style `Bearer` values confused with API keys; a tenant-scoped key that
 * escapes its tenant by naming another one, by minting an all-tenants key, or by reading and
 * deleting another tenant's keys; and requests for restricted keys silently granted unrestricted.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { utf8 } from "../../src/domain/encoding.ts";
import { keyedHash } from "../../src/services/hashing.ts";
import { api, BOOTSTRAP_KEY, createApiKey, createTenant, expectEmpty, type ApiResponse } from "../helpers.ts";

let a: { id: string },
  b: { id: string },
  keyA: string,
  keyB: { id: string; key: string },
  globalKey: { id: string; key: string };

beforeAll(async () => {
  a = await createTenant();
  b = await createTenant();
  keyA = (await createApiKey(a.id)).key;
  keyB = await createApiKey(b.id);
  globalKey = await createApiKey(null);
});

async function keyCount(): Promise<number> {
  return ((await env.DB.prepare("SELECT count(*) AS n FROM api_keys").first()) as { n: number }).n;
}

function same(r1: ApiResponse, r2: ApiResponse) {
  expect({ status: r1.status, text: r1.text, type: r1.headers.get("content-type") }).toEqual({
    status: r2.status,
    text: r2.text,
    type: r2.headers.get("content-type"),
  });
}

describe("keys at rest", () => {
  it("stores only the keyed hash: the raw key appears in no column", async () => {
    const key = `at-rest-${crypto.randomUUID()}-${crypto.randomUUID()}`;
    const r = await api("/api/api-key", { method: "POST", body: { apiKey: { key, tenantId: a.id } } });
    expect(r.status).toBe(200);
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(r.json.apiKey.id).first();
    expect(row).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(key);
    expect(JSON.stringify(row)).not.toContain(key.slice(8, 40));
    expect(row!.key_hash).toBe(await keyedHash(utf8(env.HASH_PEPPER), "api-key", key));
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("stores a generated key hashed too", async () => {
    const { id, key } = await createApiKey(null);
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(id).first();
    expect(JSON.stringify(row)).not.toContain(key);
  });
});

describe("revocation", () => {
  it("refuses a deleted key on the very next request", async () => {
    const { id, key } = await createApiKey(a.id);
    expect((await api(`/api/tenant/${a.id}`, { key })).status).toBe(200);
    expectEmpty(await api(`/api/api-key/${id}`, { method: "DELETE", key }), 200);
    expectEmpty(await api(`/api/tenant/${a.id}`, { key }), 401);
  });

  it("refuses the keys of a deleted tenant", async () => {
    const t = await createTenant();
    const { key } = await createApiKey(t.id);
    expectEmpty(await api(`/api/tenant/${t.id}`, { method: "DELETE" }), 200);
    expectEmpty(await api("/api/application", { key }), 401);
  });
});

describe("how a key may be presented", () => {
  it("never authenticates from the query string", async () => {
    for (const name of ["apiKey", "api_key", "key", "authorization", "Authorization"]) {
      expectEmpty(await api(`/api/tenant?${name}=${encodeURIComponent(BOOTSTRAP_KEY)}`, { key: null }), 401);
    }
  });

  it("refuses `Bearer <key>`", async () => {
    expectEmpty(await api("/api/tenant", { key: `Bearer ${BOOTSTRAP_KEY}` }), 401);
    expectEmpty(await api("/api/application", { key: `bearer ${keyA}` }), 401);
  });

  it("refuses a tenant-scoped key that names another tenant in X-FusionAuth-TenantId", async () => {
    expectEmpty(await api("/api/application", { key: keyA, tenantId: b.id }), 401);
    expectEmpty(await api("/api/application", { key: keyA, tenantId: crypto.randomUUID() }), 401);
    expect((await api("/api/application", { key: keyA, tenantId: a.id })).status).toBe(200);
  });
});

describe("a tenant-scoped key managing keys", () => {
  it("cannot mint an all-tenants key or a key of another tenant (401, nothing stored)", async () => {
    const n = await keyCount();
    expectEmpty(await api("/api/api-key", { method: "POST", key: keyA, body: { apiKey: { tenantId: null } } }), 401);
    expectEmpty(await api("/api/api-key", { method: "POST", key: keyA, body: { apiKey: { tenantId: b.id } } }), 401);
    expectEmpty(
      await api(`/api/api-key/${crypto.randomUUID()}`, {
        method: "POST",
        key: keyA,
        body: { apiKey: { tenantId: b.id } },
      }),
      401,
    );
    expect(await keyCount()).toBe(n);
  });

  it("sees another tenant's key and an all-tenants key exactly as a missing one", async () => {
    const missing = await api(`/api/api-key/${crypto.randomUUID()}`, { key: keyA });
    expectEmpty(missing, 404);
    same(await api(`/api/api-key/${keyB.id}`, { key: keyA }), missing);
    same(await api(`/api/api-key/${globalKey.id}`, { key: keyA }), missing);
  });

  it("cannot delete another tenant's key or an all-tenants key", async () => {
    const missing = await api(`/api/api-key/${crypto.randomUUID()}`, { method: "DELETE", key: keyA });
    expectEmpty(missing, 404);
    same(await api(`/api/api-key/${keyB.id}`, { method: "DELETE", key: keyA }), missing);
    same(await api(`/api/api-key/${globalKey.id}`, { method: "DELETE", key: keyA }), missing);
    expect((await api("/api/application", { key: keyB.key })).status).toBe(200);
    expect((await api("/api/tenant", { key: globalKey.key })).status).toBe(200);
  });

  it("lists only its own tenant's keys", async () => {
    const r = await api("/api/api-key", { key: keyA });
    expect(r.status).toBe(200);
    expect(r.json.apiKeys.length).toBeGreaterThan(0);
    expect(r.json.apiKeys.every((k: { tenantId: string }) => k.tenantId === a.id)).toBe(true);
  });
});

describe("key requests the service cannot honour", () => {
  it("refuses short keys and keys with spaces or control characters", async () => {
    for (const key of [
      "short",
      "x".repeat(31),
      ` ${"x".repeat(40)}`,
      `${"x".repeat(20)} ${"x".repeat(20)}`,
      `${"x".repeat(40)}\n`,
    ]) {
      const r = await api("/api/api-key", { method: "POST", body: { apiKey: { key } } });
      expect(r.status).toBe(400);
      expect(Object.keys(r.json.fieldErrors)).toEqual(["apiKey.key"]);
    }
  });

  it("refuses to store a copy of the bootstrap key, which would shadow it", async () => {
    const r = await api("/api/api-key", { method: "POST", body: { apiKey: { key: BOOTSTRAP_KEY, tenantId: a.id } } });
    expect(r.status).toBe(400);
    expect(r.json.fieldErrors["apiKey.key"][0].code).toBe("[duplicate]apiKey.key");
    expect((await api("/api/tenant")).status).toBe(200);
  });

  it("refuses a key that is already in use", async () => {
    const key = `dup-${crypto.randomUUID()}`;
    expect((await api("/api/api-key", { method: "POST", body: { apiKey: { key, tenantId: a.id } } })).status).toBe(200);
    const r = await api("/api/api-key", { method: "POST", body: { apiKey: { key, tenantId: b.id } } });
    expect(r.status).toBe(400);
    expect(r.json.fieldErrors["apiKey.key"][0].code).toBe("[duplicate]apiKey.key");
  });

  it("refuses endpoint permissions, expiry and IP ACLs instead of issuing a broader key (nothing stored)", async () => {
    const n = await keyCount();
    for (const extra of [
      { permissions: { endpoints: { "/api/user": ["GET"] } } },
      { expirationInstant: Date.now() + 60_000 },
      { ipAccessControlListId: crypto.randomUUID() },
    ]) {
      const r = await api("/api/api-key", { method: "POST", body: { apiKey: { tenantId: a.id, ...extra } } });
      expect(r.status).toBe(400);
      expect(r.json.fieldErrors).toBeDefined();
    }
    expect(await keyCount()).toBe(n);
    // An empty permission set is what FusionAuth's client sends by default; it is accepted.
    expect(
      (
        await api("/api/api-key", {
          method: "POST",
          body: { apiKey: { tenantId: a.id, permissions: { endpoints: {} } } },
        })
      ).status,
    ).toBe(200);
  });

  it("refuses a tenant that does not exist", async () => {
    const r = await api("/api/api-key", { method: "POST", body: { apiKey: { tenantId: crypto.randomUUID() } } });
    expect(r.status).toBe(400);
    expect(r.json.fieldErrors["apiKey.tenantId"][0].code).toBe("[invalid]apiKey.tenantId");
  });
});
