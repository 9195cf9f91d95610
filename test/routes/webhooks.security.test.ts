/**
 * Webhook security properties.
 *
 * Threats: a tenant reading, changing or probing another tenant's endpoints or delivery log; the
 * signing secret leaking after creation (responses, storage) or surviving a rotation; a webhook row
 * whose encrypted secret was copied onto another endpoint; endpoints that are not https in
 * production, or that smuggle credentials or override the dispatcher's headers; unbounded endpoint
 * counts; a receiver that hangs or redirects the signed body elsewhere.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { verifySignature } from "../../src/domain/webhook-signature.ts";
import { api, BOOTSTRAP_KEY, createApiKey, createTenant, expectEmpty } from "../helpers.ts";
import { call } from "../support/mfa.ts";
import {
  createWebhook,
  deliveries,
  dispatcher,
  enqueueHeld,
  event,
  listenerPath,
  listenerUrl,
  received,
  runDue,
  scheduledAlarm,
} from "../support/webhooks.ts";

async function tenantKey(): Promise<{ tenantId: string; key: string }> {
  const tenant = await createTenant();
  return { tenantId: tenant.id, key: (await createApiKey(tenant.id)).key };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const field = (path: string, type: string) => ({ [path]: [{ code: `[${type}]${path}`, message: expect.any(String) }] });

describe("tenant isolation", () => {
  it("another tenant's webhook answers 404 like a missing one, for every method", async () => {
    const a = await tenantKey();
    const b = await tenantKey();
    const { id, json } = await createWebhook(a.key);
    const body = { webhook: { url: listenerUrl("/ok/b"), eventsEnabled: {} } };
    for (const [method, path, payload] of [
      ["GET", `/api/webhook/${id}`],
      ["PUT", `/api/webhook/${id}`, body],
      ["PATCH", `/api/webhook/${id}`, { webhook: { description: "x" } }],
      ["DELETE", `/api/webhook/${id}`],
      ["POST", `/api/webhook/${id}/secret`],
      ["GET", `/api/webhook/${id}/delivery`],
    ] as const) {
      expectEmpty(await api(path, { method, key: b.key, body: payload }), 404);
      // An all-tenants key acting in tenant B sees the same.
      expectEmpty(await api(path, { method, key: BOOTSTRAP_KEY, tenantId: b.tenantId, body: payload }), 404);
    }
    expect((await api("/api/webhook", { key: b.key })).json).toEqual({ webhooks: [] });
    expect((await api(`/api/webhook/${id}`, { key: a.key })).json.webhook).toEqual({
      ...json,
      signatureConfiguration: { enabled: true },
    });
  });

  it("an event is delivered only to its own tenant's webhooks", async () => {
    const a = await tenantKey();
    const b = await tenantKey();
    const pathA = listenerPath("ok");
    await createWebhook(a.key, { url: listenerUrl(pathA) });
    expect(await enqueueHeld(dispatcher(a.tenantId), [event(b.tenantId)])).toBeNull();
    expect(await received(pathA)).toEqual([]);
  });
});

describe("the signing secret", () => {
  it("is stored encrypted and bound to its webhook: copied onto another endpoint it signs nothing", async () => {
    const { tenantId, key } = await tenantKey();
    const path = listenerPath("ok");
    const one = await createWebhook(key);
    const two = await createWebhook(key, { url: listenerUrl(path) });
    const rows = await env.DB.prepare("SELECT id, secret_enc FROM webhooks WHERE tenant_id = ?")
      .bind(tenantId)
      .all<{ id: string; secret_enc: string }>();
    for (const r of rows.results) expect(r.secret_enc).not.toContain(r.id === one.id ? one.secret : two.secret);
    await env.DB.prepare("UPDATE webhooks SET secret_enc = (SELECT secret_enc FROM webhooks WHERE id = ?) WHERE id = ?")
      .bind(one.id, two.id)
      .run();

    const stub = dispatcher(tenantId);
    await enqueueHeld(stub, [event(tenantId)]);
    await runDue(stub);
    expect(await received(path)).toEqual([]);
    expect((await deliveries(key, two.id))[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: null,
      lastError: "signing secret unavailable",
    });
    await api(`/api/webhook/${two.id}`, { method: "DELETE", key });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await scheduledAlarm(stub)).toBeNull();
  });

  it("dies on rotation: a queued retry is signed with the new secret only", async () => {
    const { tenantId, key } = await tenantKey();
    const path = listenerPath("fail-first");
    const { id, secret: old } = await createWebhook(key, { url: listenerUrl(path) });
    const stub = dispatcher(tenantId);
    await enqueueHeld(stub, [event(tenantId)]);
    await runDue(stub);
    const fresh = (await api(`/api/webhook/${id}/secret`, { method: "POST", key })).json.webhook.signatureConfiguration
      .secret;
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const [first, second] = await received(path);
    expect(await verifySignature(old, first!.body, first!.headers["x-edgemfa-signature"], nowSeconds())).toMatchObject({
      ok: true,
    });
    expect(
      await verifySignature(fresh, second!.body, second!.headers["x-edgemfa-signature"], nowSeconds()),
    ).toMatchObject({ ok: true });
    expect(await verifySignature(old, second!.body, second!.headers["x-edgemfa-signature"], nowSeconds())).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });
});

describe("validation (FusionAuth field errors)", () => {
  it.each([
    ["a missing url", { eventsEnabled: {} }, field("webhook.url", "blank")],
    ["a non-http scheme", { url: "ftp://example.com/hook" }, field("webhook.url", "invalid")],
    ["credentials in the url", { url: "https://user:pw@example.com/hook" }, field("webhook.url", "invalid")],
    [
      "an enabled unknown event",
      { url: "https://example.com/h", eventsEnabled: { "user.create": true } },
      field("webhook.eventsEnabled.user.create", "invalid"),
    ],
    ["a global webhook", { url: "https://example.com/h", global: true }, field("webhook.global", "invalid")],
    [
      "another tenant id",
      { url: "https://example.com/h", tenantIds: [crypto.randomUUID()] },
      field("webhook.tenantIds", "invalid"),
    ],
    [
      "a Key Master signing key",
      { url: "https://example.com/h", signatureConfiguration: { enabled: true, signingKeyId: crypto.randomUUID() } },
      field("webhook.signatureConfiguration.signingKeyId", "invalid"),
    ],
    [
      "unsigned deliveries",
      { url: "https://example.com/h", signatureConfiguration: { enabled: false } },
      field("webhook.signatureConfiguration.enabled", "invalid"),
    ],
    [
      "HTTP basic auth",
      { url: "https://example.com/h", httpAuthenticationPassword: "pw" },
      field("webhook.httpAuthenticationPassword", "invalid"),
    ],
    [
      "a read timeout over 10 s",
      { url: "https://example.com/h", readTimeout: 60_000 },
      field("webhook.readTimeout", "invalid"),
    ],
    [
      "a long description",
      { url: "https://example.com/h", description: "x".repeat(256) },
      field("webhook.description", "tooLong"),
    ],
  ])("refuses %s", async (_, webhook, fieldErrors) => {
    const { key } = await tenantKey();
    const r = await api("/api/webhook", { method: "POST", key, body: { webhook } });
    expect({ status: r.status, json: r.json }).toEqual({ status: 400, json: { fieldErrors } });
  });

  it("refuses a header the dispatcher sets itself", async () => {
    const { key } = await tenantKey();
    for (const name of ["X-EdgeMFA-Signature", "content-type", "Host"]) {
      const r = await api("/api/webhook", {
        method: "POST",
        key,
        body: { webhook: { url: "https://example.com/h", headers: { [name]: "x" } } },
      });
      expect(r.status).toBe(400);
      expect(Object.keys(r.json.fieldErrors).every((k) => k.startsWith("webhook.headers"))).toBe(true);
    }
  });

  it("drops unknown events that are disabled (FusionAuth clients send the whole list)", async () => {
    const { key } = await tenantKey();
    const { json } = await createWebhook(key, { eventsEnabled: { "user.create": false, "user.login.success": true } });
    expect(json.eventsEnabled).toEqual({ "user.login.success": true });
  });

  it("validates a PATCH as a whole: deleting the url is refused", async () => {
    const { key } = await tenantKey();
    const { id } = await createWebhook(key);
    const r = await api(`/api/webhook/${id}`, { method: "PATCH", key, body: { webhook: { url: null } } });
    expect({ status: r.status, json: r.json }).toEqual({
      status: 400,
      json: { fieldErrors: field("webhook.url", "blank") },
    });
  });

  it("allows http:// only in development and tests", async () => {
    const { key } = await tenantKey();
    const production = { app: createApp(), env: { ...env, ENVIRONMENT: "production" } as unknown as Env };
    const body = { webhook: { url: "http://127.0.0.1:9/hook", eventsEnabled: {} } };
    const r = await call("POST", "/api/webhook", { key, body, via: production });
    expect({ status: r.status, body: r.body }).toEqual({
      status: 400,
      body: { fieldErrors: field("webhook.url", "invalid") },
    });
    expect(
      (
        await call("POST", "/api/webhook", {
          key,
          body: { webhook: { ...body.webhook, url: "https://example.com/hook" } },
          via: production,
        })
      ).status,
    ).toBe(200);
    expect((await api("/api/webhook", { method: "POST", key, body })).status).toBe(200);
  });

  it("caps a tenant at 10 webhooks", async () => {
    const { key } = await tenantKey();
    for (let i = 0; i < 10; i++) await createWebhook(key);
    const r = await api("/api/webhook", { method: "POST", key, body: { webhook: { url: "https://example.com/h" } } });
    expect({ status: r.status, json: r.json }).toEqual({
      status: 400,
      json: { generalErrors: [{ code: "[LimitExceeded]", message: "A tenant may have at most 10 webhooks." }] },
    });
  });
});

describe("delivery edge cases", () => {
  it("drops the queued deliveries of a webhook deleted meanwhile", async () => {
    const { tenantId, key } = await tenantKey();
    const path = listenerPath("ok");
    const { id } = await createWebhook(key, { url: listenerUrl(path) });
    const stub = dispatcher(tenantId);
    await enqueueHeld(stub, [event(tenantId)]);
    expectEmpty(await api(`/api/webhook/${id}`, { method: "DELETE", key }), 200);
    await runDue(stub);
    expect(await received(path)).toEqual([]);
    expect(await scheduledAlarm(stub)).toBeNull();
  });

  it("cuts off a receiver that hangs at readTimeout, and retries later", async () => {
    const { tenantId, key } = await tenantKey();
    const { id } = await createWebhook(key, { url: listenerUrl(listenerPath("hang")), readTimeout: 100 });
    const stub = dispatcher(tenantId);
    await enqueueHeld(stub, [event(tenantId)]);
    await runDue(stub);
    expect((await deliveries(key, id))[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: null,
      lastError: "timed out after 100 ms",
    });
    await api(`/api/webhook/${id}`, { method: "DELETE", key });
    await runDurableObjectAlarm(stub);
  });

  it("does not follow a redirect with the signed body", async () => {
    const { tenantId, key } = await tenantKey();
    const { id } = await createWebhook(key, { url: listenerUrl(listenerPath("redirect")) });
    const stub = dispatcher(tenantId);
    const before = (await received("/ok/redirected")).length;
    await enqueueHeld(stub, [event(tenantId)]);
    await runDue(stub);
    expect((await deliveries(key, id))[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      lastStatusCode: 302,
      lastError: "redirect (HTTP 302) not followed",
    });
    expect(await received("/ok/redirected")).toHaveLength(before);
    await api(`/api/webhook/${id}`, { method: "DELETE", key });
    await runDurableObjectAlarm(stub);
  });
});
