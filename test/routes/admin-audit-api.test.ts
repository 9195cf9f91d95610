/**
 * The audit log of API-key changes (issue 14): every change to tenants, applications (and their
 * client secret), signing keys, webhooks and API keys writes one row with the acting key, the
 * caller's address, source "api", and the object before/after with secrets redacted; GET
 * /api/system/audit-log returns them in FusionAuth's shape, and a tenant-scoped key sees only its tenant.
 */
import { describe, expect, it } from "vitest";
import { api, createApiKey, createApplication, createTenant } from "../helpers.ts";

const IP = "203.0.113.7";

async function audit(query: string, key?: string) {
  const r = await api(`/api/system/audit-log?${query}`, key ? { key } : {});
  expect(r.status).toBe(200);
  return r.json as { auditLogs: any[]; total: number };
}

describe("audit log of API-key changes", () => {
  it("records a tenant update with actor, IP, source and before/after", async () => {
    const t = await createTenant();
    const { key, id: keyId } = await createApiKey(t.id);
    const r = await api(`/api/tenant/${t.id}`, {
      method: "PATCH",
      key,
      headers: { "cf-connecting-ip": IP },
      body: { tenant: { name: "Renamed" } },
    });
    expect(r.status).toBe(200);
    const { auditLogs } = await audit(`userId=${keyId}`);
    expect(auditLogs).toHaveLength(1);
    expect(auditLogs[0]).toMatchObject({
      id: expect.any(Number),
      insertInstant: expect.any(Number),
      insertUser: `apiKey:${keyId}`,
      message: "Updated tenant [Renamed]",
      data: { action: "tenant.update", source: "api", targetId: t.id, ipAddress: IP },
      oldValue: { id: t.id, name: t.name },
      newValue: { id: t.id, name: "Renamed" },
    });
  });

  it("records applications, client secrets, keys, webhooks and API keys, never a secret", async () => {
    const t = await createTenant();
    const { key, id: keyId } = await createApiKey(t.id);
    const app = await api("/api/application", { method: "POST", key, body: { application: { name: "A" } } });
    const appId = app.json.application.id;
    const secret = await api(`/api/application/${appId}/oauth-configuration/client-secret`, { method: "POST", key });
    await api(`/api/application/${appId}`, { method: "PATCH", key, body: { application: { name: "B" } } });
    const k = await api("/api/key/generate", { method: "POST", key, body: { key: { algorithm: "ES256", name: "k" } } });
    await api(`/api/key/${k.json.key.id}`, { method: "DELETE", key });
    const hook = await api("/api/webhook", {
      method: "POST",
      key,
      body: { webhook: { url: "https://hooks.example.com/x", eventsEnabled: { "user.login.success": true } } },
    });
    expect(hook.status).toBe(200);
    const hookId = hook.json.webhook.id;
    await api(`/api/webhook/${hookId}/secret`, { method: "POST", key });
    await api(`/api/webhook/${hookId}`, { method: "DELETE", key });
    const other = await api("/api/api-key", { method: "POST", key, body: { apiKey: {} } });
    await api(`/api/api-key/${other.json.apiKey.id}`, { method: "DELETE", key });
    await api(`/api/application/${appId}`, { method: "DELETE", key });

    const { auditLogs, total } = await audit(`userId=${keyId}&numberOfResults=50`);
    expect(auditLogs.map((e) => e.data.action).reverse()).toEqual([
      "application.create",
      "application.client-secret.rotate",
      "application.update",
      "key.generate",
      "key.delete",
      "webhook.create",
      "webhook.secret.rotate",
      "webhook.delete",
      "apiKey.create",
      "apiKey.delete",
      "application.delete",
    ]);
    expect(total).toBe(11);
    const text = JSON.stringify(auditLogs);
    for (const s of [
      secret.json.oauthConfiguration.clientSecret,
      hook.json.webhook.signatureConfiguration.secret,
      other.json.apiKey.key,
    ])
      expect(text).not.toContain(s);
  });

  it("pages, filters by message and time, and confines a tenant-scoped key to its tenant", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const keyA = await createApiKey(a.id);
    for (const n of [1, 2, 3])
      await api(`/api/tenant/${a.id}`, { method: "PATCH", key: keyA.key, body: { tenant: { name: `A${n}` } } });
    await createApplication(b.id, { name: "in-b" });

    const page = await audit(`search.userId=${keyA.id}&search.startRow=1&search.numberOfResults=1`);
    expect(page.total).toBe(3);
    expect(page.auditLogs.map((e) => e.message)).toEqual(["Updated tenant [A2]"]);
    expect((await audit(`userId=${keyA.id}&message=tenant%20%5Ba3`)).auditLogs).toHaveLength(1);
    expect((await audit(`userId=${keyA.id}&start=${Date.now() + 60_000}`)).total).toBe(0);

    // A's key sees A's rows and nothing of B's.
    const seen = await audit("numberOfResults=500", keyA.key);
    expect(seen.auditLogs.length).toBeGreaterThan(0);
    expect(seen.auditLogs.every((e) => e.data.targetId !== b.id && !e.message.includes("in-b"))).toBe(true);
    expect(seen.total).toBe(seen.auditLogs.length);
  });
});
