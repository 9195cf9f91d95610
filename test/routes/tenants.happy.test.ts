/**
 * Tenant and application CRUD through the public API, as @fusionauth/typescript-client drives it:
 * `{tenant}` / `{application}` envelopes, defaults applied on every read, PUT replaces, PATCH merges,
 * DELETE answers 200 with an empty body.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createApplication, createTenant, expectEmpty } from "../helpers.ts";

const DEFAULTS = {
  issuer: "edge-mfa",
  multiFactorConfiguration: {
    loginPolicy: "Enabled",
    authenticator: { enabled: true, algorithm: "HmacSHA1", codeLength: 6, timeStep: 30 },
    email: { enabled: false, templateId: null },
    sms: { enabled: false, templateId: null },
  },
  externalIdentifierConfiguration: {
    twoFactorIdTimeToLiveInSeconds: 300,
    twoFactorOneTimeCodeIdTimeToLiveInSeconds: 60,
    twoFactorTrustIdTimeToLiveInSeconds: 2_592_000,
    trustTokenTimeToLiveInSeconds: 180,
  },
  failedAuthenticationConfiguration: {
    tooManyAttempts: 5,
    resetCountInSeconds: 60,
    actionDuration: 3,
    actionDurationUnit: "MINUTES",
  },
  jwtConfiguration: { timeToLiveInSeconds: 3600 },
};

describe("tenants", () => {
  it("creates a tenant with a generated id and FusionAuth's defaults", async () => {
    const before = Date.now();
    const r = await api("/api/tenant", { method: "POST", body: { tenant: { name: "Acme" } } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    const t = r.json.tenant;
    expect(t.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(t).toMatchObject({ name: "Acme", ...DEFAULTS });
    expect(t.insertInstant).toBe(t.lastUpdateInstant);
    expect(t.insertInstant).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(t.insertInstant).toBeLessThanOrEqual(Date.now());
  });

  it("creates a tenant with the given id, and refuses that id twice", async () => {
    const id = crypto.randomUUID();
    const r = await api(`/api/tenant/${id}`, {
      method: "POST",
      body: { tenant: { name: "Given", issuer: "acme.example" } },
    });
    expect(r.status).toBe(200);
    expect(r.json.tenant).toMatchObject({ id, name: "Given", issuer: "acme.example" });

    const again = await api(`/api/tenant/${id}`, { method: "POST", body: { tenant: { name: "Again" } } });
    expect(again.status).toBe(400);
    expect(again.json).toEqual({
      fieldErrors: { tenantId: [{ code: "[duplicate]tenantId", message: expect.any(String) }] },
    });
  });

  it("retrieves one tenant and lists all", async () => {
    const t = await createTenant({ jwtConfiguration: { timeToLiveInSeconds: 600 } });
    const one = await api(`/api/tenant/${t.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toEqual({ tenant: t });
    expect(one.json.tenant.jwtConfiguration.timeToLiveInSeconds).toBe(600);

    const all = await api("/api/tenant");
    expect(all.status).toBe(200);
    expect(all.json.tenants).toContainEqual(t);
  });

  it("PUT replaces the settings and re-applies defaults", async () => {
    const t = await createTenant({ issuer: "custom", failedAuthenticationConfiguration: { tooManyAttempts: 3 } });
    expect(t.failedAuthenticationConfiguration.tooManyAttempts).toBe(3);

    const put = await api(`/api/tenant/${t.id}`, {
      method: "PUT",
      body: { tenant: { name: "Renamed", multiFactorConfiguration: { loginPolicy: "Required" } } },
    });
    expect(put.status).toBe(200);
    expect(put.json.tenant).toMatchObject({
      id: t.id,
      name: "Renamed",
      issuer: "edge-mfa",
      multiFactorConfiguration: { ...DEFAULTS.multiFactorConfiguration, loginPolicy: "Required" },
      failedAuthenticationConfiguration: DEFAULTS.failedAuthenticationConfiguration,
      insertInstant: t.insertInstant,
    });
    expect((await api(`/api/tenant/${t.id}`)).json).toEqual(put.json);
  });

  it("PATCH deep-merges into the stored tenant; null removes a value", async () => {
    const t = await createTenant({ issuer: "custom", multiFactorConfiguration: { loginPolicy: "Required" } });
    const patch = await api(`/api/tenant/${t.id}`, {
      method: "PATCH",
      body: { tenant: { issuer: null, multiFactorConfiguration: { email: { enabled: true } } } },
    });
    expect(patch.status).toBe(200);
    expect(patch.json.tenant).toMatchObject({
      name: t.name,
      issuer: "edge-mfa",
      multiFactorConfiguration: { loginPolicy: "Required", email: { enabled: true, templateId: null } },
    });
    expect((await api(`/api/tenant/${t.id}`)).json).toEqual(patch.json);
  });

  it("PATCH reports invalid merged values under tenant. and changes nothing", async () => {
    const t = await createTenant();
    const r = await api(`/api/tenant/${t.id}`, {
      method: "PATCH",
      body: { tenant: { failedAuthenticationConfiguration: { tooManyAttempts: 0 } } },
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      fieldErrors: {
        "tenant.failedAuthenticationConfiguration.tooManyAttempts": [
          { code: "[invalid]tenant.failedAuthenticationConfiguration.tooManyAttempts", message: expect.any(String) },
        ],
      },
    });
    expect((await api(`/api/tenant/${t.id}`)).json.tenant).toEqual(t);
  });

  it("DELETE answers 200 empty and removes the tenant with its applications and keys", async () => {
    const t = await createTenant();
    await createApplication(t.id);
    await api("/api/api-key", { method: "POST", body: { apiKey: { tenantId: t.id } } });

    expectEmpty(await api(`/api/tenant/${t.id}`, { method: "DELETE" }), 200);
    expectEmpty(await api(`/api/tenant/${t.id}`), 404);
    expectEmpty(await api(`/api/tenant/${t.id}`, { method: "DELETE" }), 404);
    const left = await env.DB.batch([
      env.DB.prepare("SELECT count(*) AS n FROM applications WHERE tenant_id = ?").bind(t.id),
      env.DB.prepare("SELECT count(*) AS n FROM api_keys WHERE tenant_id = ?").bind(t.id),
    ]);
    expect(left.map((r) => (r.results[0] as { n: number }).n)).toEqual([0, 0]);
  });
});

describe("applications", () => {
  it("creates, retrieves, lists, replaces, merges and deletes an application in the request's tenant", async () => {
    const t = await createTenant();
    const created = await api("/api/application", {
      method: "POST",
      tenantId: t.id,
      body: { application: { name: "Portal" } },
    });
    expect(created.status).toBe(200);
    const a = created.json.application;
    expect(a).toMatchObject({
      tenantId: t.id,
      name: "Portal",
      multiFactorConfiguration: { loginPolicy: null, trustPolicy: "Any" },
    });
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof a.insertInstant).toBe("number");

    // The client secret is shown only in the create response (#13); everything else reads back the same.
    const { clientSecret, ...oauthConfiguration } = created.json.application.oauthConfiguration;
    expect(clientSecret).toEqual(expect.any(String));
    const stored = { ...a, oauthConfiguration };
    expect((await api(`/api/application/${a.id}`, { tenantId: t.id })).json).toEqual({ application: stored });
    expect((await api("/api/application", { tenantId: t.id })).json).toEqual({ applications: [stored] });

    const put = await api(`/api/application/${a.id}`, {
      method: "PUT",
      tenantId: t.id,
      body: {
        application: { name: "Portal 2", multiFactorConfiguration: { loginPolicy: "Required", trustPolicy: "This" } },
      },
    });
    expect(put.status).toBe(200);
    expect(put.json.application).toMatchObject({
      id: a.id,
      name: "Portal 2",
      multiFactorConfiguration: { loginPolicy: "Required", trustPolicy: "This" },
    });

    const patch = await api(`/api/application/${a.id}`, {
      method: "PATCH",
      tenantId: t.id,
      body: { application: { multiFactorConfiguration: { trustPolicy: "None" } } },
    });
    expect(patch.status).toBe(200);
    expect(patch.json.application).toMatchObject({
      name: "Portal 2",
      multiFactorConfiguration: { loginPolicy: "Required", trustPolicy: "None" },
    });

    expectEmpty(await api(`/api/application/${a.id}`, { method: "DELETE", tenantId: t.id }), 200);
    expectEmpty(await api(`/api/application/${a.id}`, { tenantId: t.id }), 404);
  });

  it("creates an application with the given id", async () => {
    const t = await createTenant();
    const id = crypto.randomUUID();
    const r = await api(`/api/application/${id}`, {
      method: "POST",
      tenantId: t.id,
      body: { application: { name: "x", multiFactorConfiguration: { loginPolicy: "Disabled" } } },
    });
    expect(r.status).toBe(200);
    expect(r.json.application).toMatchObject({
      id,
      tenantId: t.id,
      multiFactorConfiguration: { loginPolicy: "Disabled", trustPolicy: "Any" },
    });
  });

  it("uses the tenant-scoped key's tenant without a header", async () => {
    const t = await createTenant();
    const key = (await api("/api/api-key", { method: "POST", body: { apiKey: { tenantId: t.id } } })).json.apiKey.key;
    const r = await api("/api/application", { method: "POST", key, body: { application: { name: "scoped" } } });
    expect(r.status).toBe(200);
    expect(r.json.application.tenantId).toBe(t.id);
  });

  it("answers [TenantIdRequired] when an all-tenants key names no tenant and several exist", async () => {
    await createTenant();
    await createTenant();
    const r = await api("/api/application", { method: "POST", body: { application: { name: "where?" } } });
    expect(r.status).toBe(400);
    expect(r.json.generalErrors[0].code).toBe("[TenantIdRequired]");
  });
});
