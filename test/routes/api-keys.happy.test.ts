/**
 * API key lifecycle through the public API: create (generated or supplied key), use, retrieve,
 * list, delete. The raw key is returned by the creation response only.
 */
import { describe, expect, it } from "vitest";
import { api, createApplication, createTenant, expectEmpty } from "../helpers.ts";

describe("api keys", () => {
  it("generates a 256-bit key valid for all tenants when nothing is given", async () => {
    const before = Date.now();
    const r = await api("/api/api-key", { method: "POST" });
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    const k = r.json.apiKey;
    expect(k).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      tenantId: null,
      metaData: { attributes: {} },
      insertInstant: expect.any(Number),
    });
    expect(k.insertInstant).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);

    // The new key works, with all-tenants scope.
    expect((await api("/api/tenant", { key: k.key })).status).toBe(200);
  });

  it("stores a supplied key, scoped to a tenant, with a description", async () => {
    const t = await createTenant();
    const app = await createApplication(t.id);
    const key = `supplied-${crypto.randomUUID()}`;
    const r = await api("/api/api-key", {
      method: "POST",
      body: { apiKey: { key, tenantId: t.id, metaData: { attributes: { description: "CI" } } } },
    });
    expect(r.status).toBe(200);
    expect(r.json.apiKey).toMatchObject({ key, tenantId: t.id, metaData: { attributes: { description: "CI" } } });

    // The key acts in its tenant without X-FusionAuth-TenantId.
    const apps = await api("/api/application", { key });
    expect(apps.status).toBe(200);
    expect(apps.json.applications).toEqual([app]);
  });

  it("creates a key with the given id and refuses the id twice", async () => {
    const id = crypto.randomUUID();
    const r = await api(`/api/api-key/${id}`, { method: "POST", body: { apiKey: {} } });
    expect(r.status).toBe(200);
    expect(r.json.apiKey.id).toBe(id);
    const again = await api(`/api/api-key/${id}`, { method: "POST", body: { apiKey: {} } });
    expect(again.status).toBe(400);
    expect(again.json).toEqual({
      fieldErrors: { "apiKey.id": [{ code: "[duplicate]apiKey.id", message: expect.any(String) }] },
    });
  });

  it("retrieves and lists keys without the key itself", async () => {
    const t = await createTenant();
    const created = (
      await api("/api/api-key", {
        method: "POST",
        body: { apiKey: { tenantId: t.id, metaData: { attributes: { description: "read me" } } } },
      })
    ).json.apiKey;
    const { key, ...expected } = created;

    const one = await api(`/api/api-key/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toEqual({ apiKey: expected });
    expect(one.text).not.toContain(key);

    const list = await api("/api/api-key");
    expect(list.status).toBe(200);
    expect(list.json.apiKeys).toContainEqual(expected);
    expect(list.text).not.toContain(key);
    expect(list.text).not.toMatch(/keyHash|key_hash|"key"/);
  });

  it("lets a tenant-scoped key mint keys for its own tenant (the default)", async () => {
    const t = await createTenant();
    const scoped = (await api("/api/api-key", { method: "POST", body: { apiKey: { tenantId: t.id } } })).json.apiKey
      .key;
    const r = await api("/api/api-key", { method: "POST", key: scoped, body: { apiKey: {} } });
    expect(r.status).toBe(200);
    expect(r.json.apiKey.tenantId).toBe(t.id);
    const explicit = await api("/api/api-key", { method: "POST", key: scoped, body: { apiKey: { tenantId: t.id } } });
    expect(explicit.status).toBe(200);
  });

  it("deletes a key: 200 empty, then 404", async () => {
    const { id } = (await api("/api/api-key", { method: "POST" })).json.apiKey;
    expectEmpty(await api(`/api/api-key/${id}`, { method: "DELETE" }), 200);
    expectEmpty(await api(`/api/api-key/${id}`), 404);
    expectEmpty(await api(`/api/api-key/${id}`, { method: "DELETE" }), 404);
  });
});
