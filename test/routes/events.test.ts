/**
 * Events (FusionAuth names and envelope) and the events API (issue 5).
 *
 * Threats: an event that leaks a code, a recovery code, a twoFactorId or a trust id to a webhook
 * receiver or log store; a tenant reading another tenant's events; an event missing for a security
 * change the user must hear about (method added/removed, recovery code used or regenerated).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { call, enrolledUser, loginFor242, nextStep, PASSWORD, seedTenant, totp } from "../support/mfa.ts";
import { alertsTo, eventsOf, flushEvents } from "../support/events.ts";

beforeEach(() => nextStep());

describe("events", () => {
  it("a login with a second factor and a wrong password emit FusionAuth events with the envelope's common fields", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    await call("POST", "/api/login", { key, body: { loginId: u.email, password: "not the password" } });
    const tfid = await loginFor242(key, u.email);
    await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: tfid, code: await totp(u.secretBase32) },
      headers: {
        "cf-connecting-ip": "203.0.113.7",
        "user-agent":
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
      },
      cf: { country: "NL", city: "Amsterdam", latitude: "52.37", longitude: "4.89" },
    });
    await flushEvents(tenantId, u.userId);
    const list = await eventsOf(key, u.userId);
    const types = list.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        "user.two-factor.method.add",
        "user.login.failed",
        "user.two-factor.success",
        "user.login.success",
      ]),
    );
    const success = list.find((e) => e.type === "user.login.success")!;
    expect(success).toMatchObject({
      tenantId,
      user: { id: u.userId, email: u.email },
      info: { ipAddress: "203.0.113.7", location: { country: "NL", city: "Amsterdam" } },
    });
    expect(success.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof success.createInstant).toBe("number");
    const failed = list.find((e) => e.type === "user.login.failed")!;
    expect(failed).toMatchObject({ authenticationType: "PASSWORD", reason: { code: "credentials" } });
    // Newest first.
    const instants = list.map((e) => e.createInstant);
    expect([...instants].sort((a, b) => b - a)).toEqual(instants);
  });

  it("recovery-code use, regeneration and method removal are events and notices, and no event carries a secret", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    const tfid = await loginFor242(key, u.email);
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: tfid, code: u.recoveryCodes[0], trustComputer: true },
    });
    expect(done.status).toBe(200);
    const regen = await call("POST", `/api/user/two-factor/recovery-code/${u.userId}`, { key });
    expect(regen.status).toBe(200);
    nextStep();
    const rm = await call("DELETE", `/api/user/two-factor/${u.userId}`, {
      key,
      body: { methodId: u.methodId, code: await totp(u.secretBase32) },
    });
    expect(rm.status).toBe(200);
    await flushEvents(tenantId, u.userId);
    const list = await eventsOf(key, u.userId);
    const types = list.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        "user.two-factor.recovery-code.used",
        "user.two-factor.recovery-codes.regenerated",
        "user.two-factor.method.remove",
      ]),
    );
    expect(list.find((e) => e.type === "user.two-factor.method.remove")!.method).toEqual({
      id: u.methodId,
      method: "authenticator",
    });
    const json = JSON.stringify(list);
    for (const secret of [
      u.recoveryCodes[0]!,
      ...regen.body.recoveryCodes,
      tfid,
      done.body.twoFactorTrustId,
      done.body.token,
      u.secretBase32,
    ])
      expect(json).not.toContain(secret);
    const subjects = (await alertsTo(u.email)).map((m) => m.subject);
    expect(subjects).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/recovery code was used/),
        expect.stringMatching(/New recovery codes/),
        expect.stringMatching(/method was removed/),
        expect.stringMatching(/method was added/),
      ]),
    );
    for (const m of await alertsTo(u.email))
      for (const secret of [u.recoveryCodes[0]!, ...regen.body.recoveryCodes]) expect(m.body).not.toContain(secret);
  });

  it("the events API is tenant-scoped, filters by type, pages with `before`, and refuses unknown types", async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    const u = await enrolledUser(a.key);
    for (let i = 0; i < 3; i++)
      await call("POST", "/api/login", { key: a.key, body: { loginId: u.email, password: `wrong ${i}` } });
    await flushEvents(a.tenantId, u.userId);
    expect(await eventsOf(b.key, u.userId)).toEqual([]);
    const failed = await eventsOf(a.key, u.userId, "user.login.failed");
    expect(failed).toHaveLength(3);
    const page = await call(
      "GET",
      `/api/event?userId=${u.userId}&type=user.login.failed&limit=1&before=${failed[0]!.createInstant + 1}`,
      { key: a.key },
    );
    expect(page.body.events).toHaveLength(1);
    expect((await call("GET", "/api/event?type=user.nope", { key: a.key })).status).toBe(400);
    expect((await call("GET", "/api/event?limit=1000", { key: a.key })).status).toBe(400);
    expect((await call("GET", "/api/event", {})).status).toBe(401);
  });

  it("an API-key caller relays its user's context with eventInfo; an anonymous caller cannot override Cloudflare's view", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    await call("POST", "/api/login", {
      key,
      body: {
        loginId: u.email,
        password: "wrong",
        eventInfo: { ipAddress: "198.51.100.9", location: { country: "JP", city: "Tokyo" } },
      },
      cf: { country: "US" },
    });
    const tfid = await loginFor242(key, u.email);
    await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: tfid, code: "000000", eventInfo: { ipAddress: "192.0.2.66" } },
      headers: { "cf-connecting-ip": "203.0.113.8" },
    });
    await flushEvents(tenantId, u.userId);
    expect((await eventsOf(key, u.userId, "user.login.failed"))[0]!.info).toMatchObject({
      ipAddress: "198.51.100.9",
      location: { country: "JP", city: "Tokyo" },
    });
    expect((await eventsOf(key, u.userId, "user.two-factor.failed-attempt"))[0]!.info.ipAddress).toBe("203.0.113.8");
  });

  it("a lock by wrong passwords is reported once, as a user.action with phase start; attempts while locked add nothing", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    for (let i = 0; i < 7; i++)
      await call("POST", "/api/login", { key, body: { loginId: u.email, password: PASSWORD + i } });
    await flushEvents(tenantId, u.userId);
    const actions = await eventsOf(key, u.userId, "user.action");
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      phase: "start",
      actioneeUserId: u.userId,
      action: { reasonCode: "TooManyAttempts" },
    });
  });
});
