/**
 * Tenant isolation for the tenant and application APIs (OWASP API Security Top 10 2023 API1).
 *
 * Threat: a key issued to tenant A reads or rewrites tenant B's settings (for example to lower B's
 * lockout threshold or disable its MFA policy), deletes B, mints tenants, or learns which tenant and
 * application ids exist. A tenant-scoped key must see another tenant's objects exactly as it sees
 * objects that do not exist (same status, same empty body, no Content-Type), and must not be able to
 * create, list or delete tenants at all.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createApiKey, createApplication, createTenant, expectEmpty, type ApiResponse } from "../helpers.ts";

let a: { id: string }, b: { id: string; name: string }, keyA: string, appB: { id: string };

beforeAll(async () => {
  a = await createTenant();
  b = await createTenant({ issuer: "tenant-b" });
  keyA = (await createApiKey(a.id)).key;
  appB = await createApplication(b.id);
});

function same(r1: ApiResponse, r2: ApiResponse) {
  expect({ status: r1.status, text: r1.text, type: r1.headers.get("content-type") }).toEqual({
    status: r2.status,
    text: r2.text,
    type: r2.headers.get("content-type"),
  });
}

async function tenantCount(): Promise<number> {
  return ((await env.DB.prepare("SELECT count(*) AS n FROM tenants").first()) as { n: number }).n;
}

describe("a tenant-scoped key and other tenants", () => {
  it("reads its own tenant", async () => {
    const r = await api(`/api/tenant/${a.id}`, { key: keyA });
    expect(r.status).toBe(200);
    expect(r.json.tenant.id).toBe(a.id);
  });

  it("gets 404 empty for another tenant, exactly as for a missing one", async () => {
    const other = await api(`/api/tenant/${b.id}`, { key: keyA });
    expectEmpty(other, 404);
    same(other, await api(`/api/tenant/${crypto.randomUUID()}`, { key: keyA }));
    same(other, await api(`/api/tenant/not-a-uuid`, { key: keyA }));
  });

  it("cannot PUT or PATCH another tenant, and the tenant is unchanged", async () => {
    const before = (await api(`/api/tenant/${b.id}`)).json;
    for (const method of ["PUT", "PATCH"]) {
      const body = { tenant: { name: "pwned", multiFactorConfiguration: { loginPolicy: "Disabled" } } };
      const other = await api(`/api/tenant/${b.id}`, { method, key: keyA, body });
      expectEmpty(other, 404);
      same(other, await api(`/api/tenant/${crypto.randomUUID()}`, { method, key: keyA, body }));
    }
    expect((await api(`/api/tenant/${b.id}`)).json).toEqual(before);
  });

  it("cannot list tenants", async () => {
    expectEmpty(await api("/api/tenant", { key: keyA }), 401);
  });

  it("cannot create tenants, with or without an id, and nothing is stored", async () => {
    const n = await tenantCount();
    expectEmpty(await api("/api/tenant", { method: "POST", key: keyA, body: { tenant: { name: "mine" } } }), 401);
    expectEmpty(
      await api(`/api/tenant/${crypto.randomUUID()}`, {
        method: "POST",
        key: keyA,
        body: { tenant: { name: "mine" } },
      }),
      401,
    );
    expect(await tenantCount()).toBe(n);
  });

  it("cannot delete any tenant, its own included", async () => {
    expectEmpty(await api(`/api/tenant/${b.id}`, { method: "DELETE", key: keyA }), 401);
    expectEmpty(await api(`/api/tenant/${a.id}`, { method: "DELETE", key: keyA }), 401);
    expect((await api(`/api/tenant/${b.id}`)).status).toBe(200);
    expect((await api(`/api/tenant/${a.id}`)).status).toBe(200);
  });

  it("is refused outright when it names another tenant in X-FusionAuth-TenantId", async () => {
    expectEmpty(await api(`/api/tenant/${b.id}`, { key: keyA, tenantId: b.id }), 401);
    expectEmpty(await api(`/api/application/${appB.id}`, { key: keyA, tenantId: b.id }), 401);
  });
});

describe("applications of another tenant", () => {
  it("answer 404 empty for every method, exactly as a missing application", async () => {
    const body = { application: { name: "pwned", multiFactorConfiguration: { loginPolicy: "Disabled" } } };
    for (const method of ["GET", "PUT", "PATCH", "DELETE"]) {
      const init = method === "GET" || method === "DELETE" ? { method, key: keyA } : { method, key: keyA, body };
      const other = await api(`/api/application/${appB.id}`, init);
      expectEmpty(other, 404);
      same(other, await api(`/api/application/${crypto.randomUUID()}`, init));
    }
    const stored = await api(`/api/application/${appB.id}`, { tenantId: b.id });
    expect(stored.json.application).toEqual(appB);
  });

  it("never appear in the list", async () => {
    const mine = await createApplication(a.id);
    const r = await api("/api/application", { key: keyA });
    expect(r.status).toBe(200);
    expect(r.json.applications.map((x: { id: string }) => x.id)).toEqual([mine.id]);
  });

  it("are not reachable by creating an application with their id (no silent overwrite)", async () => {
    const r = await api(`/api/application/${appB.id}`, {
      method: "POST",
      key: keyA,
      body: { application: { name: "steal" } },
    });
    expect(r.status).toBe(400);
    expect((await api(`/api/application/${appB.id}`, { tenantId: b.id })).json.application).toEqual(appB);
  });
});

describe("PATCH merge hardening", () => {
  it("ignores __proto__ keys instead of merging through them", async () => {
    const raw = `{"tenant":{"__proto__":{"issuer":"polluted"},"constructor":{"prototype":{"issuer":"polluted"}}}}`;
    const r = await api(`/api/tenant/${a.id}`, {
      method: "PATCH",
      key: keyA,
      body: raw,
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(200);
    expect(r.json.tenant.issuer).toBe("edge-mfa");
    expect(({} as Record<string, unknown>).issuer).toBeUndefined();
  });
});
