/**
 * Email, phone and password changes are events and notices (issue 10 item 11).
 *
 * Threat: someone who can drive the app's user update (a stolen session, a leaked key) changes the
 * account's email, phone or password, and nobody hears of it; and since notices used to read the
 * address when they were sent, changing the email first also redirected every notice still waiting
 * in the outbox (a method just added, failed attempts) to the new address. Now each change raises
 * FusionAuth's `user.update` (+ `user.email.update` / `user.password.update`), the OLD address hears
 * of it (the new one too), and a notice's address is fixed when its event is queued.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { call, createUser, enrolledUser, loginFor242, nextStep, seedTenant } from "../support/mfa.ts";
import { alertsTo, eventsOf, flushEvents } from "../support/events.ts";
import { uniqueEmail, uniquePhone } from "../support/oob.ts";
import { passkeyTenant, registerPasskey } from "../support/passkeys.ts";

beforeEach(() => nextStep());

const patch = (key: string, userId: string, user: Record<string, unknown>) =>
  call("PATCH", `/api/user/${userId}`, { key, body: { user } });

describe("user updates are events", () => {
  it("an email change raises user.update (original and user) and user.email.update (previousEmail); the old and the new address are told", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await createUser(key);
    const next = uniqueEmail();
    expect((await patch(key, u.id, { email: next })).status).toBe(200);
    await flushEvents(tenantId, u.id);
    const [update] = await eventsOf(key, u.id, "user.update");
    expect({ original: update?.original?.email, user: update?.user?.email }).toEqual({ original: u.email, user: next });
    const [emailUpdate] = await eventsOf(key, u.id, "user.email.update");
    expect({ previousEmail: emailUpdate?.previousEmail, user: emailUpdate?.user?.email }).toEqual({
      previousEmail: u.email,
      user: next,
    });
    const old = await alertsTo(u.email);
    expect(old).toHaveLength(1);
    expect(old[0]!.subject).toMatch(/account details were changed/);
    expect(old[0]!.body).toMatch(/email address/);
    expect(await alertsTo(next)).toHaveLength(1);
  });

  it("a password change raises user.update and user.password.update and tells the user; no event carries the password or its hash", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await createUser(key);
    const password = `secret-${crypto.randomUUID()}`;
    expect((await patch(key, u.id, { password })).status).toBe(200);
    await flushEvents(tenantId, u.id);
    const all = await eventsOf(key, u.id);
    expect(all.map((e) => e.type)).toEqual(expect.arrayContaining(["user.update", "user.password.update"]));
    expect(all.map((e) => e.type)).not.toContain("user.email.update");
    const text = JSON.stringify(all);
    expect(text).not.toContain(password);
    expect(text).not.toMatch(/passwordHash|pbkdf2/i);
    const notices = await alertsTo(u.email);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.body).toMatch(/password/);
  });

  it("a phone change raises user.update and tells the user", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await createUser(key);
    const phone = uniquePhone();
    expect((await patch(key, u.id, { mobilePhone: phone })).status).toBe(200);
    await flushEvents(tenantId, u.id);
    const [update] = await eventsOf(key, u.id, "user.update");
    expect(update?.user?.mobilePhone).toBe(phone);
    const notices = await alertsTo(u.email);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.body).toMatch(/phone number/);
  });

  it("an update of other fields raises user.update and no notice", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await createUser(key);
    expect((await patch(key, u.id, { firstName: "Ada" })).status).toBe(200);
    await flushEvents(tenantId, u.id);
    expect(await eventsOf(key, u.id, "user.update")).toHaveLength(1);
    expect(await alertsTo(u.email)).toHaveLength(0);
  });
});

describe("a notice's address is fixed when its event is queued", () => {
  it("changing the email right after regenerating recovery codes does not redirect that notice to the new address", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    await flushEvents(tenantId, u.userId);
    expect((await call("POST", `/api/user/two-factor/recovery-code/${u.userId}`, { key })).status).toBe(200);
    const next = uniqueEmail();
    expect((await patch(key, u.userId, { email: next })).status).toBe(200);
    await flushEvents(tenantId, u.userId);
    const subjects = async (to: string) => (await alertsTo(to)).map((m) => m.subject);
    expect(await subjects(u.email)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/New recovery codes/),
        expect.stringMatching(/account details were changed/),
      ]),
    );
    expect((await subjects(next)).filter((s) => /New recovery codes/.test(s ?? ""))).toHaveLength(0);
  });

  it("failed-attempt notices queued by the user's object go to the address of the time, not to one set later", async () => {
    const { key, tenantId } = await seedTenant({ alertConfiguration: { failedAttempts: 2 } });
    const u = await enrolledUser(key);
    await flushEvents(tenantId, u.userId);
    const tfid = await loginFor242(key, u.email);
    for (const code of ["000000", "111111"])
      expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: tfid, code } })).status).toBe(421);
    const next = uniqueEmail();
    expect((await patch(key, u.userId, { email: next })).status).toBe(200);
    await flushEvents(tenantId, u.userId);
    expect((await alertsTo(u.email)).filter((m) => /Failed sign-in attempts/.test(m.subject ?? ""))).toHaveLength(1);
    expect((await alertsTo(next)).filter((m) => /Failed sign-in attempts/.test(m.subject ?? ""))).toHaveLength(0);
  });

  it("a passkey registered just before an email change is announced to the address of the time, and its event names the user", async () => {
    const t = await passkeyTenant();
    const u = await createUser(t.key);
    await registerPasskey(t, u.id);
    const next = uniqueEmail();
    expect((await patch(t.key, u.id, { email: next })).status).toBe(200);
    await flushEvents(t.tenantId, u.id);
    expect((await alertsTo(u.email)).filter((m) => /sign-in method was added/.test(m.subject ?? ""))).toHaveLength(1);
    expect((await alertsTo(next)).filter((m) => /sign-in method was added/.test(m.subject ?? ""))).toHaveLength(0);
    const [added] = await eventsOf(t.key, u.id, "user.two-factor.method.add");
    expect(added?.user?.id).toBe(u.id);
  });
});
