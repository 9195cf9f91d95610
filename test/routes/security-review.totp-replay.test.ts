/**
 * Issue 10 item 12: a replayed TOTP code (someone else saw it, or it was phished in real time) is
 * refused, and the owner must hear about it: a failed-attempt event with the reason, counted in the
 * alert window like any failed attempt (OWASP ASVS 4.0.3 2.8.5: re-used TOTP logged, rejected and
 * the holder notified; NIST SP 800-63B rev 4 IPD §5.1.4.2: the verifier MAY warn on duplicate use).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { call, enrolledUser, loginFor242, nextStep, seedTenant, totp } from "../support/mfa.ts";
import { alertsTo, eventsOf, flushEvents } from "../support/events.ts";

beforeEach(() => nextStep());

describe("item 12: a replayed TOTP code raises an event and counts in the alert window", () => {
  it("a replay at login: failed-attempt event with reason replay; three replays raise one failed-attempt notice", async () => {
    const { key, tenantId } = await seedTenant({ alertConfiguration: { failedAttempts: 3, windowInSeconds: 900 } });
    const u = await enrolledUser(key);
    const code = await totp(u.secretBase32);
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: await loginFor242(key, u.email), code } }))
        .status,
    ).toBe(200);
    const tfid = await loginFor242(key, u.email);
    for (let i = 0; i < 3; i++)
      expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: tfid, code } })).status).toBe(421);
    await flushEvents(tenantId, u.userId);
    const failed = await eventsOf(key, u.userId, "user.two-factor.failed-attempt");
    expect(failed).toHaveLength(3);
    for (const e of failed) expect(e).toMatchObject({ method: "authenticator", reason: { code: "replay" } });
    const notices = (await alertsTo(u.email)).filter((m) => /Failed sign-in attempts/.test(m.subject ?? ""));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.body).not.toContain(code);
  });

  it("a replay when disabling the method (code outside a challenge) carries the reason too; a plain wrong code does not say replay", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    const code = await totp(u.secretBase32);
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: await loginFor242(key, u.email), code } }))
        .status,
    ).toBe(200);
    expect(
      (await call("DELETE", `/api/user/two-factor/${u.userId}?methodId=${u.methodId}&code=${code}`, { key })).status,
    ).toBe(421);
    const wrong = String((Number(code) + 500_000) % 1_000_000).padStart(6, "0");
    expect(
      (
        await call("POST", "/api/two-factor/login", {
          body: { twoFactorId: await loginFor242(key, u.email), code: wrong },
        })
      ).status,
    ).toBe(421);
    await flushEvents(tenantId, u.userId);
    const failed = await eventsOf(key, u.userId, "user.two-factor.failed-attempt");
    expect(failed.map((e) => e.reason?.code ?? null).sort()).toEqual(["replay", null].sort());
  });
});
