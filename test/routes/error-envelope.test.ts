/**
 * Hostile and malformed input on the tenant, application and API key routes: every case answers 400
 * with FusionAuth's error envelope (FusionAuth API docs, Errors) and stores nothing.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { api, createTenant } from "../helpers.ts";

let tenantId: string;
beforeAll(async () => {
  tenantId = (await createTenant()).id;
});

async function rowCounts(): Promise<number[]> {
  const rs = await env.DB.batch(
    ["tenants", "applications", "api_keys"].map((t) => env.DB.prepare(`SELECT count(*) AS n FROM ${t}`)),
  );
  return rs.map((r) => (r.results[0] as { n: number }).n);
}

const JSON_HEADERS = { "content-type": "application/json" };
const routes = [
  { path: "/api/tenant", wrap: "tenant" },
  { path: "/api/application", wrap: "application" },
  { path: "/api/api-key", wrap: "apiKey" },
];

/** Sends a raw body to each creation route and expects a 400 envelope; returns the parsed bodies. */
async function expect400(
  raw: string,
): Promise<Array<{ generalErrors?: unknown[]; fieldErrors?: Record<string, unknown[]> }>> {
  const before = await rowCounts();
  const out = [];
  for (const { path } of routes) {
    const r = await api(path, { method: "POST", tenantId, body: raw, headers: JSON_HEADERS });
    expect(r.status, path).toBe(400);
    expect(r.headers.get("content-type"), path).toMatch(/^application\/json/);
    expect(r.json.generalErrors ?? r.json.fieldErrors, path).toBeDefined();
    out.push(r.json);
  }
  expect(await rowCounts()).toEqual(before);
  return out;
}

describe("malformed requests", () => {
  it("malformed JSON → [invalid] general error", async () => {
    for (const body of await expect400(`{"tenant": {"name": "x"`)) {
      expect(body).toEqual({ generalErrors: [{ code: "[invalid]", message: expect.any(String) }] });
    }
  });

  it("a JSON array or scalar instead of an object → [invalid]", async () => {
    for (const raw of ["[]", '"x"', "42", "true"]) {
      for (const body of await expect400(raw)) expect(body.generalErrors?.[0]).toMatchObject({ code: "[invalid]" });
    }
  });

  it("a body over 64 KiB → [tooLarge]", async () => {
    const raw = JSON.stringify({
      tenant: { name: "x".repeat(70 * 1024) },
      application: { name: "x".repeat(70 * 1024) },
      apiKey: { key: "x".repeat(70 * 1024) },
    });
    for (const body of await expect400(raw)) expect(body.generalErrors?.[0]).toMatchObject({ code: "[tooLarge]" });
  });

  it("a lone surrogate in a string → [invalid]", async () => {
    const raw = `{"tenant":{"name":"a\\ud800b"},"application":{"name":"a\\ud800b"},"apiKey":{"key":"${"k".repeat(32)}\\udc00"}}`;
    for (const body of await expect400(raw)) expect(body.generalErrors?.[0]).toMatchObject({ code: "[invalid]" });
  });

  it("a NUL character in a string → [invalid]", async () => {
    const raw = `{"tenant":{"name":"a\\u0000b"},"application":{"name":"a\\u0000b"},"apiKey":{"key":"${"k".repeat(32)}\\u0000"}}`;
    await expect400(raw);
  });

  it("deeply nested JSON → [invalid]", async () => {
    const raw = `{"tenant":${"[".repeat(100)}${"]".repeat(100)}}`;
    for (const body of await expect400(raw)) expect(body.generalErrors?.[0]).toMatchObject({ code: "[invalid]" });
  });
});

describe("field validation", () => {
  it("wrong types → [invalid]<path> field errors", async () => {
    const raw = JSON.stringify({
      tenant: { name: 5, issuer: [] },
      application: { name: true, multiFactorConfiguration: { loginPolicy: "Sometimes" } },
      apiKey: { key: 123, tenantId: "nope" },
    });
    const [tenant, application, apiKey] = await expect400(raw);
    expect(tenant).toEqual({
      fieldErrors: {
        "tenant.name": [{ code: "[invalid]tenant.name", message: expect.any(String) }],
        "tenant.issuer": [{ code: "[invalid]tenant.issuer", message: expect.any(String) }],
      },
    });
    expect(Object.keys(application!.fieldErrors!).sort()).toEqual([
      "application.multiFactorConfiguration.loginPolicy",
      "application.name",
    ]);
    expect(Object.keys(apiKey!.fieldErrors!).sort()).toEqual(["apiKey.key", "apiKey.tenantId"]);
  });

  it("missing required fields → [blank]<path>", async () => {
    const [tenant, application] = await expect400(JSON.stringify({ tenant: {}, application: {}, apiKey: { key: "" } }));
    expect(tenant).toEqual({
      fieldErrors: { "tenant.name": [{ code: "[blank]tenant.name", message: expect.any(String) }] },
    });
    expect(application).toEqual({
      fieldErrors: { "application.name": [{ code: "[blank]application.name", message: expect.any(String) }] },
    });
  });

  it("out-of-range tenant settings are refused, never clamped", async () => {
    const r = await api("/api/tenant", {
      method: "POST",
      body: { tenant: { name: "x", externalIdentifierConfiguration: { twoFactorIdTimeToLiveInSeconds: 86_400 } } },
    });
    expect(r.status).toBe(400);
    expect(r.json.fieldErrors).toHaveProperty([
      "tenant.externalIdentifierConfiguration.twoFactorIdTimeToLiveInSeconds",
    ]);
  });

  it("a creation path id that is not a UUID → [invalid]", async () => {
    for (const [path, field] of [
      ["/api/tenant/abc", "tenantId"],
      ["/api/application/abc", "applicationId"],
      ["/api/api-key/abc", "keyId"],
    ] as const) {
      const r = await api(path, {
        method: "POST",
        tenantId,
        body: { tenant: { name: "x" }, application: { name: "x" }, apiKey: {} },
      });
      expect(r.status, path).toBe(400);
      expect(r.json).toEqual({
        fieldErrors: { [field]: [{ code: `[invalid]${field}`, message: expect.any(String) }] },
      });
    }
  });

  it("an invalid PUT leaves the tenant unchanged", async () => {
    const before = (await api(`/api/tenant/${tenantId}`)).json;
    const r = await api(`/api/tenant/${tenantId}`, { method: "PUT", body: { tenant: { name: "" } } });
    expect(r.status).toBe(400);
    expect(r.json.fieldErrors).toHaveProperty(["tenant.name"]);
    expect((await api(`/api/tenant/${tenantId}`)).json).toEqual(before);
  });
});
