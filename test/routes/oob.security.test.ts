/**
 * Send throttling before any provider call (NIST SP 800-63B §5.2.2) and the binding of email/SMS
 * codes. Threat: an attacker with a twoFactorId (or an API key holder gone rogue) makes the service
 * send many messages — SMS pumping, mail bombing, cost — or guesses a code. Every refusal must be a
 * 429 with Retry-After and must happen before the provider is called: the dev outbox (the provider
 * here) must not receive the N+1th message, also when the sends race each other.
 */
import { describe, expect, it } from "vitest";
import { call, clock, createUser, loginFor242, PASSWORD, seedTenant } from "../support/mfa.ts";
import { enableOob, lastCode, oobTenant, outbox, uniqueEmail, uniquePhone } from "../support/oob.ts";

/** A tenant with the given send limits (the rest default) and a user with one email method. */
async function emailUser(sendLimits: Record<string, number> = {}, extra: Record<string, unknown> = {}) {
  const { key, tenantId } = await seedTenant(oobTenant({ sendLimits }, extra));
  const u = await createUser(key);
  const address = uniqueEmail();
  const { methodId } = await enableOob(key, u.id, "email", address);
  return { key, tenantId, u, address, methodId };
}

function send(twoFactorId: string, methodId: string, headers: Record<string, string> = {}) {
  return call("POST", `/api/two-factor/send/${twoFactorId}`, { body: { methodId }, headers });
}

function expect429(r: { status: number; headers: Headers; body: any }, scope: string) {
  expect(r.status).toBe(429);
  expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(r.body.generalErrors[0]).toMatchObject({ code: "[TooManyRequests]", data: { scope } });
}

describe("send caps (N+1th send refused with 429 and no provider call)", () => {
  it("per challenge: 5 sends, then 429 until the challenge ends", async () => {
    const { key, u, address, methodId } = await emailUser({ resendCooldownSeconds: 0, perDestinationPerHour: 100 });
    const id = await loginFor242(key, u.email);
    for (let i = 0; i < 5; i++) expect((await send(id, methodId)).status).toBe(200);
    const before = (await outbox(address)).length;
    expect429(await send(id, methodId), "challenge");
    expect(await outbox(address)).toHaveLength(before);
  });

  it("resend cooldown: a second send within 30 s is refused with the remaining wait; at 30 s it goes", async () => {
    const { key, u, address, methodId } = await emailUser();
    const id = await loginFor242(key, u.email);
    expect((await send(id, methodId)).status).toBe(200);
    clock.now += 10;
    const r = await send(id, methodId);
    expect429(r, "cooldown");
    expect(r.headers.get("retry-after")).toBe("20");
    expect(await outbox(address)).toHaveLength(2); // enable + first login send
    clock.now += 20;
    expect((await send(id, methodId)).status).toBe(200);
  });

  it("per user: 10 sends an hour across challenges and purposes", async () => {
    const { key, u, address, methodId } = await emailUser({ perDestinationPerHour: 100 });
    // The enable send was the first of ten.
    for (let i = 0; i < 9; i++) expect((await send(await loginFor242(key, u.email), methodId)).status).toBe(200);
    const r = await send(await loginFor242(key, u.email), methodId);
    expect429(r, "user");
    expect((await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, methodId } })).status).toBe(429);
    expect(await outbox(address)).toHaveLength(10);
  });

  it("per destination: 5 an hour, whoever asks (two users, one address)", async () => {
    const { key } = await seedTenant(oobTenant({ sendLimits: { perUserPerHour: 100 } }));
    const address = uniqueEmail();
    const a = await createUser(key);
    const b = await createUser(key);
    const ma = await enableOob(key, a.id, "email", address);
    const mb = await enableOob(key, b.id, "email", address);
    expect((await send(await loginFor242(key, a.email), ma.methodId)).status).toBe(200);
    expect((await send(await loginFor242(key, b.email), mb.methodId)).status).toBe(200);
    expect((await send(await loginFor242(key, a.email), ma.methodId)).status).toBe(200);
    expect429(await send(await loginFor242(key, b.email), mb.methodId), "destination");
    expect(await outbox(address)).toHaveLength(5);
  });

  it("per client IP (CF-Connecting-IP; IPv6 by /64) on the anonymous route", async () => {
    const { key, u, methodId } = await emailUser({ perIpPerHour: 2, perDestinationPerHour: 100 });
    const ip = { "cf-connecting-ip": "2001:db8:7:7::1" };
    expect((await send(await loginFor242(key, u.email), methodId, ip)).status).toBe(200);
    expect(
      (await send(await loginFor242(key, u.email), methodId, { "cf-connecting-ip": "2001:db8:7:7:ffff::2" })).status,
    ).toBe(200);
    expect429(
      await send(await loginFor242(key, u.email), methodId, { "cf-connecting-ip": "2001:db8:7:7:abcd:1:2:3" }),
      "ip",
    );
    // Another /64, and the X-Forwarded-For header is ignored.
    expect(
      (
        await send(await loginFor242(key, u.email), methodId, {
          "cf-connecting-ip": "2001:db8:7:8::1",
          "x-forwarded-for": "2001:db8:7:7::1",
        })
      ).status,
    ).toBe(200);
  });

  it("per tenant: the tenant's hourly cap", async () => {
    const { key, u, address, methodId } = await emailUser({ perTenantPerHour: 3, perDestinationPerHour: 100 });
    expect((await send(await loginFor242(key, u.email), methodId)).status).toBe(200);
    expect((await send(await loginFor242(key, u.email), methodId)).status).toBe(200);
    expect429(await send(await loginFor242(key, u.email), methodId), "tenant");
    expect(await outbox(address)).toHaveLength(3);
  });

  it("the caps recover with time (sliding hour)", async () => {
    const { key, u, methodId } = await emailUser({ perTenantPerHour: 2, perDestinationPerHour: 100 });
    expect((await send(await loginFor242(key, u.email), methodId)).status).toBe(200);
    expect((await send(await loginFor242(key, u.email), methodId)).status).toBe(429);
    clock.now += 2 * 3600;
    expect((await send(await loginFor242(key, u.email), methodId)).status).toBe(200);
  });
});

describe("parallel sends", () => {
  it("to one destination from 12 challenges at once: exactly the cap goes out", async () => {
    const { key, u, address, methodId } = await emailUser({ perDestinationPerHour: 6, perUserPerHour: 100 });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await loginFor242(key, u.email));
    const results = await Promise.all(ids.map((id) => send(id, methodId)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(5); // 6 minus the enable send
    for (const r of results.filter((x) => x.status !== 200)) expect429(r, "destination");
    expect(await outbox(address)).toHaveLength(6);
  });

  it("on one challenge at once: one goes out, and the refused ones give their destination budget back", async () => {
    const { key, u, address, methodId } = await emailUser({ perDestinationPerHour: 5, perUserPerHour: 100 });
    const id = await loginFor242(key, u.email);
    const results = await Promise.all(Array.from({ length: 8 }, () => send(id, methodId)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await outbox(address)).toHaveLength(2);
    // 2 of 5 used: three more challenges can still send; the sixth message is refused.
    for (let i = 0; i < 3; i++) expect((await send(await loginFor242(key, u.email), methodId)).status).toBe(200);
    expect429(await send(await loginFor242(key, u.email), methodId), "destination");
  });
});

describe("SMS country allowlist (SMS pumping defence)", () => {
  it("refuses numbers outside the tenant's calling codes before anything is sent or counted", async () => {
    const { key } = await seedTenant(oobTenant({ sms: { enabled: true, allowedCallingCodes: ["44"] } }));
    const u = await createUser(key);
    const us = uniquePhone("+1555");
    const r = await call("POST", "/api/two-factor/send", {
      key,
      body: { userId: u.id, method: "sms", mobilePhone: us },
    });
    expect(r.status).toBe(400);
    expect(r.body.fieldErrors.mobilePhone[0].code).toBe("[notAllowed]mobilePhone");
    expect(await outbox(us)).toHaveLength(0);
    const uk = uniquePhone("+447700");
    expect(
      (await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, method: "sms", mobilePhone: uk } }))
        .status,
    ).toBe(200);
  });

  it("also at login, when the tenant narrowed the list after the method was enabled", async () => {
    const { key, tenantId } = await seedTenant(oobTenant());
    const u = await createUser(key);
    const phone = uniquePhone("+1555");
    const { methodId } = await enableOob(key, u.id, "sms", phone);
    const patch = await call("PATCH", `/api/tenant/${tenantId}`, {
      key,
      body: { tenant: { multiFactorConfiguration: { sms: { allowedCallingCodes: ["44"] } } } },
    });
    expect(patch.status).toBe(200);
    const r = await send(await loginFor242(key, u.email), methodId);
    expect(r.body.fieldErrors.mobilePhone[0].code).toBe("[notAllowed]mobilePhone");
    expect(await outbox(phone)).toHaveLength(1);
  });
});

describe("binding and guessing", () => {
  it("a wrong OOB code counts toward the account lock like any other factor", async () => {
    const { key, u, address, methodId } = await emailUser(
      {},
      { failedAuthenticationConfiguration: { tooManyAttempts: 3, resetCountInSeconds: 600 } },
    );
    const id = await loginFor242(key, u.email);
    await send(id, methodId);
    const code = await lastCode(address);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code: wrong } })).status).toBe(421);
    expect(
      (
        await call("POST", `/api/user/two-factor/${u.id}`, {
          key,
          body: { method: "sms", mobilePhone: uniquePhone(), code: wrong },
        })
      ).status,
    ).toBe(421);
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code: wrong } })).status).toBe(409);
    // Locked: the challenge died, sends are refused, and the right code no longer works.
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code } })).status).toBe(404);
    expect((await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, methodId } })).status).toBe(409);
    expect((await call("POST", "/api/login", { key, body: { loginId: u.email, password: PASSWORD } })).status).toBe(
      409,
    );
  });

  it("a code works once, even when correct submissions race", async () => {
    const { key, u, address, methodId } = await emailUser();
    const id = await loginFor242(key, u.email);
    await send(id, methodId);
    const body = { twoFactorId: id, code: await lastCode(address) };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => call("POST", "/api/two-factor/login", { body })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("another tenant's header, an unknown twoFactorId, a GET, and a method of another type send nothing", async () => {
    const { key, u, address, methodId } = await emailUser();
    const id = await loginFor242(key, u.email);
    const other = await seedTenant();
    expect(
      (
        await call("POST", `/api/two-factor/send/${id}`, {
          body: { methodId },
          headers: { "x-fusionauth-tenantid": other.tenantId },
        })
      ).status,
    ).toBe(404);
    expect((await send("A".repeat(86), methodId)).status).toBe(404);
    expect((await send("nonsense", methodId)).status).toBe(404);
    expect((await call("GET", `/api/two-factor/send/${id}`)).status).toBe(401);
    const unknown = await send(id, "ZZZZ");
    expect(unknown.body.fieldErrors.methodId[0].code).toBe("[invalid]methodId");
    expect(await outbox(address)).toHaveLength(1);
  });

  it("without methodId a challenge with two email/SMS methods answers [blank]methodId", async () => {
    const { key, u } = await emailUser();
    await enableOob(key, u.id, "sms", uniquePhone());
    const r = await call("POST", `/api/two-factor/send/${await loginFor242(key, u.email)}`, { body: {} });
    expect(r.body.fieldErrors.methodId[0].code).toBe("[blank]methodId");
  });

  it("a type the tenant disabled is neither listed nor sent to", async () => {
    const { key, tenantId, u, methodId } = await emailUser();
    await call("PATCH", `/api/tenant/${tenantId}`, {
      key,
      body: { tenant: { multiFactorConfiguration: { email: { enabled: false } } } },
    });
    const login = await call("POST", "/api/login", { key, body: { loginId: u.email, password: PASSWORD } });
    expect(login.status).toBe(200); // no eligible method left under the Enabled policy
    const start = await call("POST", "/api/two-factor/start", { key, body: { userId: u.id } });
    expect((await send(start.body.twoFactorId, methodId)).status).toBe(400);
  });

  it("input is validated before anything is sent (FusionAuth field errors)", async () => {
    const { key } = await seedTenant(oobTenant());
    const u = await createUser(key);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ method: "email", email: "a@example.com" }, "[blank]userId"],
      [{ userId: u.id, email: "a@example.com" }, "[blank]method"],
      [{ userId: u.id, method: "authenticator" }, "[invalid]method"],
      [{ userId: u.id, method: "email" }, "[blank]email"],
      [{ userId: u.id, method: "sms" }, "[blank]mobilePhone"],
      [{ userId: u.id, method: "email", email: "not-an-address" }, "[invalid]email"],
      [{ userId: u.id, method: "sms", mobilePhone: "555-1234" }, "[invalid]mobilePhone"],
      [{ userId: u.id, method: "sms", mobilePhone: "+15551234567", messageType: "Voice" }, "[invalid]messageType"],
      [{ userId: u.id, methodId: "NOPE" }, "[invalid]methodId"],
    ];
    for (const [body, code] of cases) {
      const r = await call("POST", "/api/two-factor/send", { key, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(
        Object.values(r.body.fieldErrors as Record<string, Array<{ code: string }>>)
          .flat()
          .map((e) => e.code),
      ).toContain(code);
    }
    expect(
      (
        await call("POST", "/api/two-factor/send", {
          key,
          body: { userId: crypto.randomUUID(), method: "email", email: "a@example.com" },
        })
      ).status,
    ).toBe(404);
  });
});
