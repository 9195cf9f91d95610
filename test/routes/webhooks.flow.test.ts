/**
 * Events end to end: a real login's decisions in the UserGuard → its outbox alarm → the tenant's
 * WebhookDispatcher → signed HTTP deliveries to the local listener, retried after a listener
 * failure with the same event id (receivers drop duplicates by it).
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { verifySignature } from "../../src/domain/webhook-signature.ts";
import { call, enrolledUser, loginFor242, nextStep, seedTenant, totp } from "../support/mfa.ts";
import { flushEvents } from "../support/events.ts";
import { createWebhook, dispatcher, listenerPath, listenerUrl, received, type Received } from "../support/webhooks.ts";

beforeEach(() => nextStep());

/** Delivers what is due and waits (bounded) for `n` requests at the listener. */
async function deliveredTo(tenantId: string, path: string, n: number): Promise<Received[]> {
  for (let i = 0; i < 50; i++) {
    await runDurableObjectAlarm(dispatcher(tenantId));
    const got = await received(path);
    if (got.length >= n) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  return received(path);
}

const subscribed = {
  "user.login.success": true,
  "user.two-factor.failed-attempt": true,
  "user.two-factor.success": true,
  "user.login.failed": false,
};

describe("events reach webhooks", () => {
  it("a login with one wrong code: failed-attempt, two-factor success and login success arrive signed, once each", async () => {
    const { key, tenantId } = await seedTenant();
    const path = listenerPath("ok");
    const hook = await createWebhook(key, { url: listenerUrl(path), eventsEnabled: subscribed });
    const u = await enrolledUser(key);
    await call("POST", "/api/login", { key, body: { loginId: u.email, password: "wrong" } }); // user.login.failed: not subscribed
    const tfid = await loginFor242(key, u.email);
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: tfid, code: "000000" } })).status).toBe(
      421,
    );
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: tfid, code: await totp(u.secretBase32) } }))
        .status,
    ).toBe(200);
    await flushEvents(tenantId, u.userId);
    const got = await deliveredTo(tenantId, path, 3);
    expect(got.map((r) => JSON.parse(r.body).event.type).sort()).toEqual([
      "user.login.success",
      "user.two-factor.failed-attempt",
      "user.two-factor.success",
    ]);
    const now = Math.floor(Date.now() / 1000);
    for (const r of got) {
      expect(await verifySignature(hook.secret, r.body, r.headers["x-edgemfa-signature"]!, now)).toMatchObject({
        ok: true,
      });
      const { event } = JSON.parse(r.body);
      expect(r.headers["x-edgemfa-event-id"]).toBe(event.id);
      expect(event).toMatchObject({ tenantId, user: { id: u.userId } });
    }
    // A second flush of the same user (nothing new) delivers nothing more.
    await flushEvents(tenantId, u.userId);
    await runDurableObjectAlarm(dispatcher(tenantId));
    expect(await received(path)).toHaveLength(3);
  });

  it("a listener failure is retried with the same event id and signature scheme", async () => {
    const { key, tenantId } = await seedTenant();
    const path = listenerPath("fail-first");
    const hook = await createWebhook(key, {
      url: listenerUrl(path),
      eventsEnabled: { "user.two-factor.method.add": true },
    });
    const u = await enrolledUser(key);
    await flushEvents(tenantId, u.userId);
    const got = await deliveredTo(tenantId, path, 2);
    expect(got.map((r) => r.headers["x-edgemfa-delivery-attempt"])).toEqual(["1", "2"]);
    expect(new Set(got.map((r) => r.headers["x-edgemfa-event-id"])).size).toBe(1);
    expect(JSON.parse(got[1]!.body).event).toMatchObject({
      type: "user.two-factor.method.add",
      method: { method: "authenticator" },
    });
    expect(
      await verifySignature(
        hook.secret,
        got[1]!.body,
        got[1]!.headers["x-edgemfa-signature"]!,
        Math.floor(Date.now() / 1000),
      ),
    ).toMatchObject({ ok: true });
  });
});
