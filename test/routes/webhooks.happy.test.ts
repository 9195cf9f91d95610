/**
 * /api/webhook and the WebhookDispatcher, happy paths: CRUD in FusionAuth's shape with the secret
 * shown once, and deliveries over real HTTP to the local listener (test/setup/webhook-listener.mjs):
 * signed, retried with the same event id, deduplicated, given up after the last attempt.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_DELIVERY_ATTEMPTS } from "../../src/domain/webhook-backoff.ts";
import { verifySignature } from "../../src/domain/webhook-signature.ts";
import { api, createApiKey, createTenant, expectEmpty } from "../helpers.ts";
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

describe("webhook CRUD", () => {
  it("creates, reads, lists, replaces, merges and deletes; the secret appears only on create", async () => {
    const { tenantId, key } = await tenantKey();
    const url = listenerUrl(listenerPath("ok"));
    const c = await api("/api/webhook", {
      method: "POST",
      key,
      body: {
        webhook: {
          url,
          description: "audit",
          eventsEnabled: { "user.login.success": true, "user.login.failed": false },
          headers: { "X-Custom": "1" },
        },
      },
    });
    expect(c.status).toBe(200);
    expect(c.headers.get("cache-control")).toBe("no-store");
    const created = c.json.webhook;
    expect(created).toMatchObject({
      url,
      description: "audit",
      eventsEnabled: { "user.login.success": true, "user.login.failed": false },
      headers: { "X-Custom": "1" },
      connectTimeout: 1000,
      readTimeout: 5000,
      global: false,
      tenantIds: [tenantId],
    });
    expect(created.signatureConfiguration.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const id = created.id;

    const one = await api(`/api/webhook/${id}`, { key });
    expect(one.json.webhook).toEqual({ ...created, signatureConfiguration: { enabled: true } });
    const list = await api("/api/webhook", { key });
    expect(list.json.webhooks.map((w: { id: string }) => w.id)).toEqual([id]);

    const put = await api(`/api/webhook/${id}`, {
      method: "PUT",
      key,
      body: { webhook: { url, eventsEnabled: { "user.two-factor.success": true }, readTimeout: 2000 } },
    });
    expect(put.status).toBe(200);
    expect(put.json.webhook).toMatchObject({
      eventsEnabled: { "user.two-factor.success": true },
      headers: {},
      readTimeout: 2000,
    });
    expect(put.json.webhook.description).toBeUndefined();

    const patch = await api(`/api/webhook/${id}`, {
      method: "PATCH",
      key,
      body: {
        webhook: { description: "merged", eventsEnabled: { "user.login.success": true }, headers: { "X-Other": "2" } },
      },
    });
    expect(patch.status).toBe(200);
    expect(patch.json.webhook).toMatchObject({
      url,
      description: "merged",
      eventsEnabled: { "user.two-factor.success": true, "user.login.success": true },
      headers: { "X-Other": "2" },
      readTimeout: 2000,
    });

    for (const r of [one, list, put, patch]) expect(r.text).not.toContain(created.signatureConfiguration.secret);
    expectEmpty(await api(`/api/webhook/${id}`, { method: "DELETE", key }), 200);
    expectEmpty(await api(`/api/webhook/${id}`, { key }), 404);
    expectEmpty(await api(`/api/webhook/${id}`, { method: "DELETE", key }), 404);
  });

  it("creates with a given id; the same id again is a duplicate", async () => {
    const { key } = await tenantKey();
    const id = crypto.randomUUID();
    const body = { webhook: { url: listenerUrl("/ok/x"), eventsEnabled: {} } };
    expect((await api(`/api/webhook/${id}`, { method: "POST", key, body })).json.webhook.id).toBe(id);
    const again = await api(`/api/webhook/${id}`, { method: "POST", key, body });
    expect({ status: again.status, json: again.json }).toEqual({
      status: 400,
      json: {
        fieldErrors: {
          "webhook.id": [{ code: "[duplicate]webhook.id", message: "A webhook with this id already exists." }],
        },
      },
    });
  });

  it("accepts a retrieved webhook sent back unchanged (PUT of a GET)", async () => {
    const { key } = await tenantKey();
    const { id } = await createWebhook(key, { description: "round trip", data: { team: "sec" } });
    const got = (await api(`/api/webhook/${id}`, { key })).json.webhook;
    const put = await api(`/api/webhook/${id}`, { method: "PUT", key, body: { webhook: got } });
    expect(put.status).toBe(200);
    expect({ ...put.json.webhook, lastUpdateInstant: 0 }).toEqual({ ...got, lastUpdateInstant: 0 });
  });

  it("rotates the secret: a new one, shown once", async () => {
    const { key } = await tenantKey();
    const { id, secret } = await createWebhook(key);
    const r = await api(`/api/webhook/${id}/secret`, { method: "POST", key });
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.json.webhook.signatureConfiguration.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.json.webhook.signatureConfiguration.secret).not.toBe(secret);
    expect((await api(`/api/webhook/${id}`, { key })).json.webhook.signatureConfiguration).toEqual({ enabled: true });
  });
});

describe("deliveries", () => {
  it("POSTs the signed event to the endpoint with its headers, and logs the success", async () => {
    const { tenantId, key } = await tenantKey();
    const path = listenerPath("ok");
    const { id, secret } = await createWebhook(key, { url: listenerUrl(path), headers: { "X-Custom": "hello" } });
    const stub = dispatcher(tenantId);
    const e = event(tenantId);
    expect(await enqueueHeld(stub, [e])).not.toBeNull();
    expect((await deliveries(key, id))[0]).toMatchObject({
      eventId: e.id,
      eventType: e.type,
      status: "pending",
      attempts: 0,
      lastAttemptInstant: null,
    });
    await runDue(stub);

    const [req, ...more] = await received(path);
    expect(more).toEqual([]);
    expect(req!.method).toBe("POST");
    expect(req!.body).toBe(JSON.stringify({ event: e }));
    expect(req!.headers).toMatchObject({
      "content-type": "application/json",
      "x-edgemfa-event-id": e.id,
      "x-edgemfa-delivery-attempt": "1",
      "x-custom": "hello",
    });
    const sig = req!.headers["x-edgemfa-signature"];
    expect(await verifySignature(secret, req!.body, sig, nowSeconds())).toMatchObject({ ok: true });
    // The receiver's checks reject what an attacker could change.
    expect(await verifySignature(secret, req!.body.replace(e.id, crypto.randomUUID()), sig, nowSeconds())).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(await verifySignature(`${secret}x`, req!.body, sig, nowSeconds())).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(await verifySignature(secret, req!.body, sig, nowSeconds() + 301)).toEqual({
      ok: false,
      reason: "timestamp_out_of_tolerance",
    });

    const [log] = await deliveries(key, id);
    expect(log).toMatchObject({
      eventId: e.id,
      status: "succeeded",
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptInstant: null,
    });
    expect(log.lastAttemptInstant).toBeGreaterThanOrEqual(log.createInstant);
    expect(await scheduledAlarm(stub)).toBeNull();
  });

  it("retries a failed delivery with the same event id, on the next alarm", async () => {
    const { tenantId, key } = await tenantKey();
    const path = listenerPath("fail-first");
    const { id, secret } = await createWebhook(key, { url: listenerUrl(path) });
    const stub = dispatcher(tenantId);
    const e = event(tenantId);
    await enqueueHeld(stub, [e]);
    const before = Date.now();
    await runDue(stub);

    const [first] = await deliveries(key, id);
    expect(first).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500, lastError: "HTTP 500" });
    const alarm = await scheduledAlarm(stub);
    expect(alarm).toBeGreaterThanOrEqual(before + 8000 - 1000);
    expect(alarm).toBeLessThanOrEqual(Date.now() + 12_000);
    expect(first.nextAttemptInstant).toBe(Math.floor(alarm! / 1000) * 1000);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const reqs = await received(path);
    expect(reqs.map((r) => [r.headers["x-edgemfa-event-id"], r.headers["x-edgemfa-delivery-attempt"]])).toEqual([
      [e.id, "1"],
      [e.id, "2"],
    ]);
    for (const r of reqs)
      expect(await verifySignature(secret, r.body, r.headers["x-edgemfa-signature"], nowSeconds())).toMatchObject({
        ok: true,
      });
    expect((await deliveries(key, id))[0]).toMatchObject({
      status: "succeeded",
      attempts: 2,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptInstant: null,
    });
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });

  it("delivers an event enqueued twice once, before and after delivery", async () => {
    const { tenantId, key } = await tenantKey();
    const path = listenerPath("ok");
    const { id } = await createWebhook(key, { url: listenerUrl(path) });
    const stub = dispatcher(tenantId);
    const e = event(tenantId);
    await enqueueHeld(stub, [e, e]);
    await enqueueHeld(stub, [e]);
    await runDue(stub);
    expect(await enqueueHeld(stub, [e])).toBeNull();
    expect(await received(path)).toHaveLength(1);
    expect(await deliveries(key, id)).toHaveLength(1);
  });

  it("sends nothing to a webhook not subscribed to the event type", async () => {
    const { tenantId, key } = await tenantKey();
    const path = listenerPath("ok");
    const { id } = await createWebhook(key, {
      url: listenerUrl(path),
      eventsEnabled: { "user.login.success": false, "user.two-factor.success": true },
    });
    const stub = dispatcher(tenantId);
    expect(await enqueueHeld(stub, [event(tenantId, "user.login.success")])).toBeNull();
    expect(await deliveries(key, id)).toEqual([]);
    expect(await received(path)).toEqual([]);
  });

  it(`gives up after ${MAX_DELIVERY_ATTEMPTS} attempts and marks the delivery failed`, async () => {
    const { tenantId, key } = await tenantKey();
    const path = listenerPath("always-500");
    const { id } = await createWebhook(key, { url: listenerUrl(path) });
    const stub = dispatcher(tenantId);
    const e = event(tenantId);
    await enqueueHeld(stub, [e]);
    await runDue(stub);
    let alarms = 1;
    while (await runDurableObjectAlarm(stub)) alarms++;
    expect(alarms).toBe(MAX_DELIVERY_ATTEMPTS);
    const reqs = await received(path);
    expect(reqs.map((r) => r.headers["x-edgemfa-delivery-attempt"])).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    expect(new Set(reqs.map((r) => r.headers["x-edgemfa-event-id"]))).toEqual(new Set([e.id]));
    expect((await deliveries(key, id))[0]).toMatchObject({
      status: "failed",
      attempts: 8,
      lastStatusCode: 500,
      lastError: "HTTP 500",
      nextAttemptInstant: null,
    });
  });

  it("lists the log newest first and honours limit", async () => {
    const { tenantId, key } = await tenantKey();
    const { id } = await createWebhook(key);
    const stub = dispatcher(tenantId);
    const events = [event(tenantId), event(tenantId), event(tenantId)];
    for (const e of events) await enqueueHeld(stub, [e]);
    await runDue(stub);
    expect((await deliveries(key, id)).map((d) => d.eventId)).toEqual(events.map((e) => e.id).reverse());
    const limited = await api(`/api/webhook/${id}/delivery?limit=2`, { key });
    expect(limited.json.deliveries.map((d: { eventId: string }) => d.eventId)).toEqual([events[2]!.id, events[1]!.id]);
  });
});
