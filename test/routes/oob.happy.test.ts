/**
 * Email and SMS codes end to end inside workerd, through the dev outbox: enabling both method types,
 * logging in and stepping up with each, resend invalidation, expiry, and disabling.
 */
import { describe, expect, it } from "vitest";
import { call, clock, createUser, decodeJwt, loginFor242, PASSWORD, seedTenant } from "../support/mfa.ts";
import { enableOob, lastCode, oobTenant, outbox, uniqueEmail, uniquePhone } from "../support/oob.ts";

function wrong(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}

describe("enabling email and SMS methods", () => {
  it("email: the send answers 200 empty, the message carries the code, lifetime and tenant name; enabling returns the recovery codes", async () => {
    const { key } = await seedTenant(oobTenant());
    const { id } = await createUser(key);
    const address = uniqueEmail();
    const sent = await call("POST", "/api/two-factor/send", {
      key,
      body: { userId: id, method: "email", email: address },
    });
    expect({ status: sent.status, text: sent.text, type: sent.headers.get("content-type") }).toEqual({
      status: 200,
      text: "",
      type: null,
    });
    const [m] = await outbox(address);
    expect(m).toMatchObject({
      channel: "email",
      to: address,
      subject: expect.stringMatching(/^Your tenant .* verification code$/),
    });
    expect(m!.body).toMatch(/verification code is \d{6}\./);
    expect(m!.body).toContain("expires in 1 minute(s)"); // FusionAuth's default one-time-code TTL: 60 s
    expect(m!.html).toContain(codeOf(m!.body));

    const r = await call("POST", `/api/user/two-factor/${id}`, {
      key,
      body: { method: "email", email: address, code: await lastCode(address) },
    });
    expect(r.status).toBe(200);
    expect(r.body.recoveryCodes).toHaveLength(10);
    const user = await call("GET", `/api/user/${id}`, { key });
    expect(user.body.user.twoFactor.methods).toEqual([
      { id: expect.stringMatching(/^[A-Z0-9]{4}$/), method: "email", email: address },
    ]);
  });

  it("sms: the number is normalised to E.164, the SMS carries the code; a second method answers {}", async () => {
    const { key } = await seedTenant(oobTenant());
    const { id } = await createUser(key);
    await enableOob(key, id, "email", uniqueEmail());
    const phone = uniquePhone();
    const spaced = `${phone.slice(0, 2)} (${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    expect(
      (await call("POST", "/api/two-factor/send", { key, body: { userId: id, method: "sms", mobilePhone: spaced } }))
        .status,
    ).toBe(200);
    const [m] = await outbox(phone);
    expect(m).toMatchObject({ channel: "sms", to: phone, subject: null });
    expect(m!.body).toMatch(/^\d{6} is your tenant .* verification code\. It expires in 1 min\.$/);
    const r = await call("POST", `/api/user/two-factor/${id}`, {
      key,
      body: { method: "sms", mobilePhone: spaced, code: codeOf(m!.body) },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({});
    const user = await call("GET", `/api/user/${id}`, { key });
    const methods = user.body.user.twoFactor.methods.map((x: { method: string; mobilePhone?: string }) => [
      x.method,
      x.mobilePhone,
    ]);
    expect(methods).toEqual(
      expect.arrayContaining([
        ["email", undefined],
        ["sms", phone],
      ]),
    );
  });

  it("enabling with a code sent to another address answers [mismatch]email and keeps the code for the right address", async () => {
    const { key } = await seedTenant(oobTenant());
    const { id } = await createUser(key);
    const address = uniqueEmail();
    await call("POST", "/api/two-factor/send", { key, body: { userId: id, method: "email", email: address } });
    const code = await lastCode(address);
    const other = await call("POST", `/api/user/two-factor/${id}`, {
      key,
      body: { method: "email", email: uniqueEmail(), code },
    });
    expect(other.status).toBe(400);
    expect(other.body.fieldErrors.email[0].code).toBe("[mismatch]email");
    expect(
      (
        await call("POST", `/api/user/two-factor/${id}`, {
          key,
          body: { method: "email", email: address.toUpperCase(), code },
        })
      ).status,
    ).toBe(200);
  });

  it("[mismatch]mobilePhone likewise for SMS", async () => {
    const { key } = await seedTenant(oobTenant());
    const { id } = await createUser(key);
    const phone = uniquePhone();
    await call("POST", "/api/two-factor/send", { key, body: { userId: id, method: "sms", mobilePhone: phone } });
    const r = await call("POST", `/api/user/two-factor/${id}`, {
      key,
      body: { method: "sms", mobilePhone: uniquePhone(), code: await lastCode(phone) },
    });
    expect(r.body.fieldErrors.mobilePhone[0].code).toBe("[mismatch]mobilePhone");
  });

  it("a wrong or reused enable code answers 421 empty", async () => {
    const { key } = await seedTenant(oobTenant());
    const { id } = await createUser(key);
    const address = uniqueEmail();
    await call("POST", "/api/two-factor/send", { key, body: { userId: id, method: "email", email: address } });
    const code = await lastCode(address);
    const bad = await call("POST", `/api/user/two-factor/${id}`, {
      key,
      body: { method: "email", email: address, code: wrong(code) },
    });
    expect({ status: bad.status, text: bad.text }).toEqual({ status: 421, text: "" });
    expect(
      (await call("POST", `/api/user/two-factor/${id}`, { key, body: { method: "email", email: address, code } }))
        .status,
    ).toBe(200);
    // Used once: enabling the same address again with it fails (the slot is gone).
    expect(
      (await call("POST", `/api/user/two-factor/${id}`, { key, body: { method: "email", email: address, code } }))
        .status,
    ).toBe(421);
  });
});

describe("logging in and stepping up with email and SMS codes", () => {
  for (const channel of ["email", "sms"] as const) {
    it(`${channel}: 242 lists the method with its destination; send/{twoFactorId} delivers a code that completes the login`, async () => {
      const { key, tenantId } = await seedTenant(oobTenant());
      const u = await createUser(key);
      const destination = channel === "email" ? uniqueEmail() : uniquePhone();
      const { methodId } = await enableOob(key, u.id, channel, destination);
      const login = await call("POST", "/api/login", { key, body: { loginId: u.email, password: PASSWORD } });
      expect(login.status).toBe(242);
      expect(login.body.methods).toEqual([
        { id: methodId, method: channel, [channel === "email" ? "email" : "mobilePhone"]: destination },
      ]);

      const sent = await call("POST", `/api/two-factor/send/${login.body.twoFactorId}`, { body: { methodId } });
      expect({ status: sent.status, text: sent.text }).toEqual({ status: 200, text: "" });
      const done = await call("POST", "/api/two-factor/login", {
        body: { twoFactorId: login.body.twoFactorId, code: await lastCode(destination) },
      });
      expect(done.status).toBe(200);
      expect(decodeJwt(done.body.token)).toMatchObject({ sub: u.id, tid: tenantId, amr: ["pwd", "otp", "mfa"] });
      const user = await call("GET", `/api/user/${u.id}`, { key });
      expect(user.body.user.twoFactor.methods[0]).toMatchObject({ id: methodId, lastUsed: true });
    });

    it(`${channel}: step-up — a send replaces the code /start returned`, async () => {
      const { key } = await seedTenant(oobTenant());
      const u = await createUser(key);
      const destination = channel === "email" ? uniqueEmail() : uniquePhone();
      const { methodId } = await enableOob(key, u.id, channel, destination);
      const start = await call("POST", "/api/two-factor/start", {
        key,
        body: { userId: u.id, state: { action: "transfer" } },
      });
      expect(start.body.methods).toEqual([expect.objectContaining({ id: methodId, method: channel })]);
      expect(
        (await call("POST", `/api/two-factor/send/${start.body.twoFactorId}`, { body: { methodId } })).status,
      ).toBe(200);
      // The start code died with the send (FusionAuth: every send invalidates earlier codes).
      expect(
        (
          await call("POST", "/api/two-factor/login", {
            body: { twoFactorId: start.body.twoFactorId, code: start.body.code },
          })
        ).status,
      ).toBe(421);
      const done = await call("POST", "/api/two-factor/login", {
        body: { twoFactorId: start.body.twoFactorId, code: await lastCode(destination) },
      });
      expect(done.status).toBe(200);
      expect(done.body.state).toEqual({ action: "transfer" });
      expect(decodeJwt(done.body.token).amr).toEqual(["otp"]);
    });
  }

  it("the query form ?twoFactorId= and the body-less deprecated form (the only OOB method) both send", async () => {
    const { key } = await seedTenant(oobTenant());
    const u = await createUser(key);
    const phone = uniquePhone();
    await enableOob(key, u.id, "sms", phone);
    const id = await loginFor242(key, u.email);
    expect((await call("POST", `/api/two-factor/send?twoFactorId=${id}`, { body: {} })).status).toBe(200);
    clock.now += 31;
    const bare = await call("POST", `/api/two-factor/send/${id}`, {
      raw: "",
      headers: { "content-type": "text/plain" },
    });
    expect(bare.status).toBe(200);
    expect(await outbox(phone)).toHaveLength(3); // enable + 2 login sends
  });

  it("a resend invalidates the earlier code of the challenge", async () => {
    const { key } = await seedTenant(oobTenant());
    const u = await createUser(key);
    const address = uniqueEmail();
    const { methodId } = await enableOob(key, u.id, "email", address);
    const id = await loginFor242(key, u.email);
    await call("POST", `/api/two-factor/send/${id}`, { body: { methodId } });
    const first = await lastCode(address);
    clock.now += 30;
    expect((await call("POST", `/api/two-factor/send/${id}`, { body: { methodId } })).status).toBe(200);
    const second = await lastCode(address);
    if (first !== second)
      expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code: first } })).status).toBe(
        421,
      );
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code: second } })).status).toBe(200);
  });

  it("a code expires after the tenant's one-time-code TTL while the challenge lives on; a resend then works", async () => {
    const { key } = await seedTenant(
      oobTenant({}, { externalIdentifierConfiguration: { twoFactorOneTimeCodeIdTimeToLiveInSeconds: 120 } }),
    );
    const u = await createUser(key);
    const address = uniqueEmail();
    const { methodId } = await enableOob(key, u.id, "email", address);
    const id = await loginFor242(key, u.email);
    await call("POST", `/api/two-factor/send/${id}`, { body: { methodId } });
    expect((await outbox(address))[0]!.body).toContain("expires in 2 minute(s)");
    const code = await lastCode(address);
    clock.now += 121;
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code } })).status).toBe(421);
    expect((await call("POST", `/api/two-factor/send/${id}`, { body: { methodId } })).status).toBe(200);
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code: await lastCode(address) } }))
        .status,
    ).toBe(200);
  });

  it("a code never outlives its challenge (twoFactorId TTL below the code TTL)", async () => {
    const { key } = await seedTenant(
      oobTenant(
        {},
        {
          externalIdentifierConfiguration: {
            twoFactorIdTimeToLiveInSeconds: 60,
            twoFactorOneTimeCodeIdTimeToLiveInSeconds: 600,
          },
        },
      ),
    );
    const u = await createUser(key);
    const address = uniqueEmail();
    const { methodId } = await enableOob(key, u.id, "email", address);
    const id = await loginFor242(key, u.email);
    await call("POST", `/api/two-factor/send/${id}`, { body: { methodId } });
    expect((await outbox(address))[0]!.body).toContain("expires in 1 minute(s)");
    clock.now += 61;
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code: await lastCode(address) } }))
        .status,
    ).toBe(404);
  });
});

describe("disabling email and SMS methods", () => {
  it("send {userId, methodId} delivers a disable code; DELETE with it removes the method (and the recovery codes with the last one)", async () => {
    const { key } = await seedTenant(oobTenant());
    const u = await createUser(key);
    const phone = uniquePhone();
    const { methodId } = await enableOob(key, u.id, "sms", phone);
    expect((await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, methodId } })).status).toBe(200);
    const code = await lastCode(phone);
    const del = await call("DELETE", `/api/user/two-factor/${u.id}?methodId=${methodId}&code=${code}`, { key });
    expect({ status: del.status, text: del.text }).toEqual({ status: 200, text: "" });
    const user = await call("GET", `/api/user/${u.id}`, { key });
    expect(user.body.user.twoFactor.methods).toEqual([]);
  });

  it("codes are bound to their purpose: a login code cannot disable, a disable code cannot log in", async () => {
    const { key } = await seedTenant(oobTenant({}, { failedAuthenticationConfiguration: { tooManyAttempts: 50 } }));
    const u = await createUser(key);
    const address = uniqueEmail();
    const { methodId } = await enableOob(key, u.id, "email", address);
    const id = await loginFor242(key, u.email);
    await call("POST", `/api/two-factor/send/${id}`, { body: { methodId } });
    const loginCode = await lastCode(address);
    expect(
      (await call("DELETE", `/api/user/two-factor/${u.id}?methodId=${methodId}&code=${loginCode}`, { key })).status,
    ).toBe(421);
    await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, methodId } });
    const disableCode = await lastCode(address);
    if (disableCode !== loginCode)
      expect(
        (await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code: disableCode } })).status,
      ).toBe(421);
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code: loginCode } })).status).toBe(
      200,
    );
  });
});

function codeOf(text: string): string {
  return /\b(\d{6})\b/.exec(text)![1]!;
}
