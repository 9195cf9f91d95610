/**
 * Failed-attempt alerting and lockout across paths (issue 5).
 *
 * Threats: an attacker who has the password guesses second-factor codes (the user must hear about
 * it once, not be spammed, and the account must lock at the tenant's count); parallel guesses that
 * race the counter; an alert pipeline outage that must not change any authentication outcome.
 * The UserGuard queues events in the same commit as its decision; its alarm (run here with
 * runDurableObjectAlarm) delivers them.
 */
import { runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { call, clock, enrolledUser, loginFor242, nextStep, PASSWORD, seedTenant, totp } from "../support/mfa.ts";
import { alertsTo, eventsOf, flushEvents, guardStub } from "../support/events.ts";
import type { FlushDeps } from "../../src/storage/durable-objects/guard-flush.ts";
import { enableOob, oobTenant, uniquePhone } from "../support/oob.ts";

const LOCK_AT = 5;
const settings = {
  failedAuthenticationConfiguration: {
    tooManyAttempts: LOCK_AT,
    resetCountInSeconds: 600,
    actionDuration: 10,
    actionDurationUnit: "MINUTES",
  },
};
const failedNotices = async (email: string) =>
  (await alertsTo(email)).filter((m) => /Failed sign-in attempts/.test(m.subject ?? ""));

beforeEach(() => nextStep());

describe("failed second-factor attempts", () => {
  it("a sequential burst yields exactly one alert per window, the lock at the configured count, and one lock notice", async () => {
    const { key, tenantId } = await seedTenant(settings);
    const u = await enrolledUser(key);
    const tfid = await loginFor242(key, u.email);
    const answers: number[] = [];
    for (let i = 0; i < LOCK_AT - 1; i++)
      answers.push(
        (await call("POST", "/api/two-factor/login", { body: { twoFactorId: tfid, code: "000000" } })).status,
      );
    expect(answers).toEqual([421, 421, 421, 421]);
    await flushEvents(tenantId, u.userId);
    const notices = await failedNotices(u.email);
    expect(notices).toHaveLength(1);
    // Time, approximate location, IP, device and what to do — and no code.
    expect(notices[0]!.body).toMatch(/When: \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(notices[0]!.body).toMatch(/authenticator app code/);
    expect(notices[0]!.body).toMatch(/change your password/);
    expect(notices[0]!.body).not.toContain("000000");

    // The fifth failure (a fresh challenge: the first one has one attempt left) locks the account.
    const last = await call("POST", "/api/two-factor/login", { body: { twoFactorId: tfid, code: "111111" } });
    expect(last.status).toBe(409);
    expect(last.body.actions[0].reasonCode).toBe("TooManyAttempts");
    await flushEvents(tenantId, u.userId);
    expect(await failedNotices(u.email)).toHaveLength(1);
    expect((await alertsTo(u.email)).filter((m) => /account was locked/.test(m.subject ?? ""))).toHaveLength(1);
    const types = (await eventsOf(key, u.userId)).map((e) => e.type);
    expect(types.filter((t) => t === "user.two-factor.failed-attempt")).toHaveLength(LOCK_AT);
    expect(types).toContain("user.action");
  });

  it("a parallel burst of 12 wrong codes over 3 challenges: exactly one alert and one lock, never more than the count succeeds in failing", async () => {
    const { key, tenantId } = await seedTenant(settings);
    const u = await enrolledUser(key);
    const ids = [await loginFor242(key, u.email), await loginFor242(key, u.email), await loginFor242(key, u.email)];
    const res = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call("POST", "/api/two-factor/login", { body: { twoFactorId: ids[i % 3], code: String(100000 + i) } }),
      ),
    );
    const statuses = res.map((r) => r.status);
    expect(statuses.filter((s) => s === 421)).toHaveLength(LOCK_AT - 1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(0);
    expect(statuses.filter((s) => s === 409 || s === 404)).toHaveLength(12 - (LOCK_AT - 1));
    await flushEvents(tenantId, u.userId);
    expect(await failedNotices(u.email)).toHaveLength(1);
    expect((await alertsTo(u.email)).filter((m) => /account was locked/.test(m.subject ?? ""))).toHaveLength(1);
  });

  it("a new window gives a new alert; failures inside the window do not", async () => {
    const { key, tenantId } = await seedTenant({
      failedAuthenticationConfiguration: { tooManyAttempts: 50, resetCountInSeconds: 60 },
      alertConfiguration: { failedAttempts: 3, windowInSeconds: 900 },
    });
    const u = await enrolledUser(key);
    for (let round = 0; round < 2; round++) {
      const ids = [await loginFor242(key, u.email), await loginFor242(key, u.email)];
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          call("POST", "/api/two-factor/login", { body: { twoFactorId: ids[i % 2], code: String(200000 + i) } }),
        ),
      );
      await flushEvents(tenantId, u.userId);
      expect(await failedNotices(u.email)).toHaveLength(round + 1);
      clock.now += 901;
    }
  });

  it("while locked every path refuses, even with the right code; an administrator unlock restores access", async () => {
    const { key, tenantId } = await seedTenant(settings);
    const u = await enrolledUser(key);
    const tfid = await loginFor242(key, u.email);
    for (let i = 0; i < LOCK_AT; i++)
      await call("POST", "/api/two-factor/login", {
        body: { twoFactorId: await loginFor242(key, u.email).catch(() => tfid), code: "000000" },
      });
    const lock = await call("GET", `/api/user/lock/${u.userId}`, { key });
    expect(lock.body).toMatchObject({ locked: true, reason: "too_many_attempts" });

    const code = await totp(u.secretBase32);
    expect((await call("POST", "/api/login", { key, body: { loginId: u.email, password: PASSWORD } })).status).toBe(
      409,
    );
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: tfid, code } })).status).toBe(404); // challenges died at lock time
    expect((await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId } })).status).toBe(409);
    const secret = await call("GET", "/api/two-factor/secret", { key });
    expect(
      (
        await call("POST", `/api/user/two-factor/${u.userId}`, {
          key,
          body: {
            method: "authenticator",
            code: await totp(secret.body.secretBase32Encoded),
            secret: secret.body.secret,
          },
        })
      ).status,
    ).toBe(409);
    expect(
      (await call("DELETE", `/api/user/two-factor/${u.userId}`, { key, body: { methodId: u.methodId, code } })).status,
    ).toBe(409);
    expect(
      (await call("DELETE", `/api/user/two-factor/${u.userId}`, { key, body: { code: u.recoveryCodes[0] } })).status,
    ).toBe(409);

    const un = await call("POST", `/api/user/unlock/${u.userId}`, { key });
    expect(un.body).toEqual({ unlocked: true });
    const again = await loginFor242(key, u.email);
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: again, code } })).status).toBe(200);
    await flushEvents(tenantId, u.userId);
    const phases = (await eventsOf(key, u.userId, "user.action")).map((e) => e.phase);
    expect(phases.sort()).toEqual(["cancel", "start"]);
  });

  it("a user whose channel is SMS also gets the notice by SMS (once per window), without any code in it", async () => {
    const { key, tenantId } = await seedTenant(oobTenant({}, settings));
    const u = await enrolledUser(key);
    const phone = uniquePhone();
    await enableOob(key, u.userId, "sms", phone);
    const tfid = await loginFor242(key, u.email);
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        call("POST", "/api/two-factor/login", { body: { twoFactorId: tfid, code: String(300000 + i) } }),
      ),
    );
    await flushEvents(tenantId, u.userId);
    const sms = (await alertsTo(phone)).filter((m) => /Failed sign-in attempts/.test(m.body));
    expect(sms).toHaveLength(1);
    expect(sms[0]!.body.length).toBeLessThanOrEqual(160);
    expect(sms[0]!.body).not.toMatch(/\b30000\d\b/);
    expect(await failedNotices(u.email)).toHaveLength(1);
  });

  it("unlock of another tenant's user is the same 404 as an unknown user, and unlocking an unlocked user says so", async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    const u = await enrolledUser(a.key);
    expect((await call("POST", `/api/user/unlock/${u.userId}`, { key: b.key })).status).toBe(404);
    expect((await call("POST", `/api/user/unlock/${crypto.randomUUID()}`, { key: b.key })).status).toBe(404);
    expect((await call("POST", `/api/user/unlock/${u.userId}`, { key: a.key })).body).toEqual({ unlocked: false });
  });
});

describe("alert delivery faults", () => {
  it("a failing alert pipeline neither blocks nor unlocks: logins still complete, the lock still holds, the alert is retried", async () => {
    const { key, tenantId } = await seedTenant(settings);
    const u = await enrolledUser(key);
    const stub = guardStub(tenantId, u.userId);
    let attempts = 0;
    await runInDurableObject(stub, (instance: unknown) => {
      const g = instance as { flushDeps: () => FlushDeps };
      const real = g.flushDeps.bind(g);
      g.flushDeps = () => ({
        ...real(),
        sendAlert: async (_e, _a, sent) => {
          attempts++;
          return { sent, done: false };
        },
      });
    });
    const tfid = await loginFor242(key, u.email);
    for (let i = 0; i < 3; i++)
      await call("POST", "/api/two-factor/login", { body: { twoFactorId: tfid, code: "000000" } });
    expect(await flushEvents(tenantId, u.userId)).toBe(true);
    expect(attempts).toBeGreaterThan(0);
    expect(await failedNotices(u.email)).toHaveLength(0);
    // Events are stored even though the alert did not go out.
    expect((await eventsOf(key, u.userId, "user.two-factor.failed-attempt")).length).toBe(3);
    // Authentication is unaffected: the right code completes the same challenge.
    const ok = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: tfid, code: await totp(u.secretBase32) },
    });
    expect(ok.status).toBe(200);
    expect((await call("GET", `/api/user/lock/${u.userId}`, { key })).body.locked).toBe(false);
  });
});
