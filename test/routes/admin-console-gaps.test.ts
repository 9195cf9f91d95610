/**
 * The admin console's gaps closed after its first release (issue 14): key deletion and the current
 * signer, an application's signing keys, webhook editing, before/after in the audit page and the
 * tenant's message templates. Each action goes through the pages (session, CSRF) and is audited
 * with source "console".
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ensureAdminApplication } from "../../scripts/lib/admin-setup.mjs";
import { api, signedInConsole } from "../support/admin-console.ts";
import { ORIGIN, unescapeHtml } from "../support/hosted.ts";
import { call, seedApplication, seedTenant } from "../support/mfa.ts";

beforeAll(async () => {
  await ensureAdminApplication(api, ORIGIN);
});

const newKey = async (key: string, name: string) => {
  const r = await call("POST", "/api/key/generate", { key, body: { key: { algorithm: "ES256", name } } });
  expect(r.status).toBe(200);
  return r.body.key.id as string;
};

const lastConsoleEntry = async (key: string, userId: string) => {
  const log = await call("GET", `/api/system/audit-log?userId=${userId}&numberOfResults=1`, { key });
  return log.body.auditLogs[0];
};

const SIGNS = "Signs this tenant&#39;s tokens";
const keyItem = (html: string, id: string) => new RegExp(`<li id="key-${id}">([^]*?)</li>`).exec(html)?.[1] ?? "";

describe("console gaps", () => {
  it("keys: marks the key that signs and deletes a key through the API's service, audited", async () => {
    const T = await seedTenant();
    const older = await newKey(T.key, "older");
    const newer = await newKey(T.key, "newer");
    const { a, b, csrf } = await signedInConsole();
    const page = await b.get(`/admin/tenants/${T.tenantId}/keys`);
    expect(keyItem(page.html, newer)).toContain(SIGNS);
    expect(keyItem(page.html, older)).not.toContain(SIGNS);
    const del = await b.request("POST", `/admin/tenants/${T.tenantId}/keys/${newer}/delete`, { csrf_token: csrf });
    expect(del.status).toBe(200);
    expect(del.html).toContain("Key deleted.");
    expect(keyItem(del.html, older)).toContain(SIGNS);
    expect(del.html).not.toContain(`id="key-${newer}"`);
    expect((await call("GET", `/api/key/${newer}`, { key: T.key })).status).toBe(404);
    expect(await lastConsoleEntry(T.key, a.userId)).toMatchObject({
      data: { action: "key.delete", source: "console" },
      oldValue: { id: newer, name: "newer" },
      newValue: null,
    });
    // Another tenant's key id is not found.
    const O = await seedTenant();
    const foreign = await newKey(O.key, "foreign");
    const r = await b.request("POST", `/admin/tenants/${T.tenantId}/keys/${foreign}/delete`, { csrf_token: csrf });
    expect(r.status).toBe(404);
    expect((await call("GET", `/api/key/${foreign}`, { key: O.key })).status).toBe(200);
  });

  it("applications: chooses the access-token and id-token keys among the tenant's own, audited; a foreign key is refused", async () => {
    const T = await seedTenant();
    const own = await newKey(T.key, "app-signer");
    const O = await seedTenant();
    const foreign = await newKey(O.key, "foreign");
    const appId = await seedApplication(T.tenantId, {
      oauthConfiguration: { authorizedRedirectURLs: ["https://app.example/callback"] },
    });
    const { a, b, csrf } = await signedInConsole();
    const page = await b.get(`/admin/tenants/${T.tenantId}/applications`);
    expect(page.html).toContain(`<label for="accessTokenKeyId-${appId}">`);
    expect(page.html).toContain(`<option value="${own}">app-signer`);
    expect(page.html).not.toContain(foreign);
    const form = {
      csrf_token: csrf,
      loginPolicy: "Tenant",
      trustPolicy: "Any",
      redirects: "https://app.example/callback",
      jwtEnabled: "true",
      accessTokenKeyId: own,
      idTokenKeyId: own,
    };
    const path = `/admin/tenants/${T.tenantId}/applications/${appId}`;
    const saved = await b.request("POST", path, form);
    expect(saved.status).toBe(200);
    expect(saved.html).toContain("Saved app.");
    const got = await call("GET", `/api/application/${appId}`, { key: T.key });
    expect(got.body.application.jwtConfiguration).toMatchObject({
      enabled: true,
      accessTokenKeyId: own,
      idTokenKeyId: own,
    });
    expect(await lastConsoleEntry(T.key, a.userId)).toMatchObject({
      data: { action: "application.update", source: "console" },
      // A key id names a key; it is not key material, so audit.ts keeps it readable.
      newValue: { jwtConfiguration: { enabled: true, accessTokenKeyId: own, idTokenKeyId: own } },
    });
    for (const field of ["accessTokenKeyId", "idTokenKeyId"]) {
      const refused = await b.request("POST", path, { ...form, [field]: foreign });
      expect(refused.html, field).toContain("Not saved.");
      const after = await call("GET", `/api/application/${appId}`, { key: T.key });
      expect(after.body.application.jwtConfiguration[field], field).toBe(own);
    }
  });

  it("webhooks: edits URL, events and description through the API's updateWebhook, audited; a bad URL is refused", async () => {
    const T = await seedTenant();
    const created = await call("POST", "/api/webhook", {
      key: T.key,
      body: { webhook: { url: "https://hooks.example.com/old", eventsEnabled: { "user.login.success": true } } },
    });
    expect(created.status).toBe(200);
    const id = created.body.webhook.id as string;
    const { a, b, csrf } = await signedInConsole();
    const page = await b.get(`/admin/tenants/${T.tenantId}/webhooks`);
    expect(page.html).toContain(`<label for="url-${id}">`);
    const path = `/admin/tenants/${T.tenantId}/webhooks/${id}`;
    const saved = await b.request("POST", path, {
      csrf_token: csrf,
      url: "https://hooks.example.com/new",
      description: "Edited in the console",
      "event.user.login.failed": "true",
    });
    expect(saved.status).toBe(200);
    expect(saved.html).toContain("Webhook saved.");
    const got = await call("GET", `/api/webhook/${id}`, { key: T.key });
    expect(got.body.webhook).toMatchObject({
      url: "https://hooks.example.com/new",
      description: "Edited in the console",
      eventsEnabled: { "user.login.failed": true },
    });
    expect(got.body.webhook.eventsEnabled["user.login.success"]).not.toBe(true);
    expect(await lastConsoleEntry(T.key, a.userId)).toMatchObject({
      data: { action: "webhook.update", source: "console" },
      oldValue: { url: "https://hooks.example.com/old" },
      newValue: { url: "https://hooks.example.com/new", description: "Edited in the console" },
    });
    const refused = await b.request("POST", path, { csrf_token: csrf, url: "ftp://hooks.example.com/x" });
    expect(refused.html).toContain("Not saved.");
    expect((await call("GET", `/api/webhook/${id}`, { key: T.key })).body.webhook.url).toBe(
      "https://hooks.example.com/new",
    );
  });

  it("audit log page: shows each entry's changed fields before and after, redacted as stored", async () => {
    const T = await seedTenant();
    const before = `Before ${crypto.randomUUID()}`;
    const after = `After ${crypto.randomUUID()}`;
    for (const name of [before, after]) {
      const r = await call("PATCH", `/api/tenant/${T.tenantId}`, { key: T.key, body: { tenant: { name } } });
      expect(r.status).toBe(200);
    }
    const appId = await seedApplication(T.tenantId);
    const { b, csrf } = await signedInConsole();
    await b.request("POST", `/admin/tenants/${T.tenantId}/applications/${appId}/client-secret`, { csrf_token: csrf });
    const page = await b.get(`/admin/tenants/${T.tenantId}/audit`);
    const text = unescapeHtml(page.html.replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ");
    expect(text).toContain(`name "${before}" → "${after}"`);
    expect(page.html).toContain("<details");
    // The client secret was redacted when stored; the page shows no more than the row holds.
    const log = await call("GET", "/api/system/audit-log?numberOfResults=1", { key: T.key });
    expect(JSON.stringify(log.body.auditLogs[0])).toContain("[redacted]");
    expect(text).toContain("[redacted]");
  });

  it("tenants: edits the email and SMS message templates, validated by the tenant API's schema, audited", async () => {
    const T = await seedTenant();
    const { a, b } = await signedInConsole();
    const page = await b.get(`/admin/tenants/${T.tenantId}/settings`);
    for (const field of ["emailSubject", "emailText", "emailHtml", "smsText"])
      expect(page.html, field).toMatch(
        new RegExp(`<label for="${field}">[^<]+</label><(textarea|input) id="${field}"`),
      );
    expect(page.html).toContain("is your {{tenantName}} verification code"); // the default SMS text
    const refused = await b.submit(page, "tenant-form", { smsText: "No placeholder here" });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain("must contain the {{code}} placeholder");
    const saved = await b.submit(page, "tenant-form", {
      emailSubject: "Sign-in code",
      emailText: "Your code: {{code}}\r\nBye",
      emailHtml: "",
      smsText: "Code {{code}}",
    });
    expect(saved.status).toBe(200);
    expect(saved.html).toContain("Saved.");
    const t = await call("GET", `/api/tenant/${T.tenantId}`, { key: T.key });
    expect(t.body.tenant.multiFactorConfiguration.email.template).toMatchObject({
      subject: "Sign-in code",
      text: "Your code: {{code}}\nBye",
    });
    expect(t.body.tenant.multiFactorConfiguration.sms.template).toEqual({ text: "Code {{code}}" });
    expect(await lastConsoleEntry(T.key, a.userId)).toMatchObject({
      data: { action: "tenant.update", source: "console" },
      newValue: { multiFactorConfiguration: { sms: { template: { text: "Code {{code}}" } } } },
    });
  });
});
