/** The FusionAuth MFA flows end to end inside workerd: enable, login 242, complete, step-up, recovery codes, trust. */
import { describe, expect, it } from "vitest";
import {
  call,
  createUser,
  decodeJwt,
  enrolledUser,
  loginFor242,
  PASSWORD,
  registerUser,
  seedApplication,
  seedTenant,
  totp,
} from "../support/mfa.ts";

describe("authenticator enrolment", () => {
  it("offers a 160-bit secret as Base64 and Base32 of the same bytes, with an otpauth URI", async () => {
    const { key } = await seedTenant();
    const r = await call("GET", "/api/two-factor/secret", { key });
    expect(r.status).toBe(200);
    expect(r.body.secret).toMatch(/^[A-Za-z0-9+/]{27}=$/); // 20 bytes
    expect(r.body.secretBase32Encoded).toMatch(/^[A-Z2-7]{32}$/);
    expect(r.body.otpauthURI).toContain(`secret=${r.body.secretBase32Encoded}`);
  });

  it("enables with a valid code, returns 10 recovery codes once, and never shows the secret again", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    expect(u.recoveryCodes).toHaveLength(10);
    for (const c of u.recoveryCodes) expect(c).toMatch(/^[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}$/);
    const user = await call("GET", `/api/user/${u.userId}`, { key });
    expect(user.body.user.twoFactor.methods).toEqual([
      {
        id: u.methodId,
        method: "authenticator",
        authenticator: { algorithm: "HmacSHA1", codeLength: 6, timeStep: 30 },
      },
    ]);
    expect(user.text).not.toContain(u.secretBase32);
  });

  it("a second method returns an empty JSON object, not new recovery codes", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const s = await call("GET", "/api/two-factor/secret", { key });
    const r = await call("POST", `/api/user/two-factor/${u.userId}`, {
      key,
      body: {
        method: "authenticator",
        code: await totp(s.body.secretBase32Encoded),
        secretBase32Encoded: s.body.secretBase32Encoded,
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({});
  });

  it("a wrong code answers 421 with an empty body and no content type", async () => {
    const { key } = await seedTenant();
    const { id } = await createUser(key);
    const s = await call("GET", "/api/two-factor/secret", { key });
    const good = await totp(s.body.secretBase32Encoded);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, "0");
    const r = await call("POST", `/api/user/two-factor/${id}`, {
      key,
      body: { method: "authenticator", code: wrong, secret: s.body.secret },
    });
    expect(r.status).toBe(421);
    expect(r.text).toBe("");
    expect(r.headers.get("content-type")).toBeNull();
  });

  it("users without methods always carry twoFactor.methods = []", async () => {
    const { key } = await seedTenant();
    const { id } = await createUser(key);
    const r = await call("GET", `/api/user/${id}`, { key });
    expect(r.body.user.twoFactor).toEqual({ methods: [] });
  });
});

describe("login with a second factor", () => {
  it("password login answers 242 with the methods, then the TOTP code yields a JWT with RFC 8176 amr", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId);
    const u = await enrolledUser(key);
    await registerUser(key, u.userId, appId);
    const r = await call("POST", "/api/login", {
      key,
      body: { loginId: u.email, password: PASSWORD, applicationId: appId },
    });
    expect(r.status).toBe(242);
    expect(r.body.twoFactorId).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(r.body.methods).toEqual([
      {
        id: u.methodId,
        method: "authenticator",
        authenticator: { algorithm: "HmacSHA1", codeLength: 6, timeStep: 30 },
      },
    ]);
    expect(r.body.token).toBeUndefined();
    expect(r.headers.get("set-cookie")).toBeNull();

    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: r.body.twoFactorId, code: await totp(u.secretBase32) },
    });
    expect(done.status).toBe(200);
    expect(done.body.user.id).toBe(u.userId);
    const claims = decodeJwt(done.body.token);
    expect(claims).toMatchObject({ sub: u.userId, tid: tenantId, aud: appId, amr: ["pwd", "otp", "mfa"] });
    expect(typeof claims.auth_time).toBe("number");
    expect(done.body.tokenExpirationInstant).toBeGreaterThan(Date.now() - 60_000);
    expect(typeof done.body.trustToken).toBe("string");
  });

  it("a user without methods logs in with 200 under the Enabled policy", async () => {
    const { key } = await seedTenant();
    const { email } = await createUser(key);
    const r = await call("POST", "/api/login", { key, body: { loginId: email, password: PASSWORD } });
    expect(r.status).toBe(200);
    expect(decodeJwt(r.body.token).amr).toEqual(["pwd"]);
  });

  it("the Required policy challenges a user with no methods, offering configurableMethods, and enrolment with the twoFactorId returns a completing code", async () => {
    const { key } = await seedTenant({ multiFactorConfiguration: { loginPolicy: "Required" } });
    const { id, email } = await createUser(key);
    const r = await call("POST", "/api/login", { key, body: { loginId: email, password: PASSWORD } });
    expect(r.status).toBe(242);
    expect(r.body).toMatchObject({ methods: [], configurableMethods: ["authenticator"] });
    const s = await call("GET", "/api/two-factor/secret", { key });
    const en = await call("POST", `/api/user/two-factor/${id}`, {
      key,
      body: {
        method: "authenticator",
        code: await totp(s.body.secretBase32Encoded),
        secret: s.body.secret,
        twoFactorId: r.body.twoFactorId,
      },
    });
    expect(en.status).toBe(200);
    expect(en.body.recoveryCodes).toHaveLength(10);
    expect(en.body.code).toMatch(/^\d{6}$/);
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: r.body.twoFactorId, code: en.body.code },
    });
    expect(done.status).toBe(200);
  });

  it("the application's Disabled policy overrides the tenant's", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId, { multiFactorConfiguration: { loginPolicy: "Disabled" } });
    const u = await enrolledUser(key);
    await registerUser(key, u.userId, appId);
    const r = await call("POST", "/api/login", {
      key,
      body: { loginId: u.email, password: PASSWORD, applicationId: appId },
    });
    expect(r.status).toBe(200);
  });

  it("a recovery code completes login, is consumed, and leaves the methods in place", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const id1 = await loginFor242(key, u.email);
    const ok = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: id1, code: u.recoveryCodes[0]!.toLowerCase() },
    });
    expect(ok.status).toBe(200);
    const id2 = await loginFor242(key, u.email);
    const again = await call("POST", "/api/two-factor/login", { body: { twoFactorId: id2, code: u.recoveryCodes[0] } });
    expect(again.status).toBe(421);
    const status = await call("GET", `/api/user/two-factor/recovery-code/${u.userId}`, { key });
    expect(status.body).toEqual({ recoveryCodes: [], remainingRecoveryCodes: 9 });
  });
});

describe("step-up with /api/two-factor/start", () => {
  it("returns a code and twoFactorId, and completing it echoes state with a step-up amr", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const start = await call("POST", "/api/two-factor/start", {
      key,
      body: { userId: u.userId, state: { action: "transfer_funds" } },
    });
    expect(start.status).toBe(200);
    expect(start.body.code).toMatch(/^\d{6}$/);
    expect(start.body.methods).toHaveLength(1);
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: start.body.twoFactorId, code: start.body.code },
    });
    expect(done.status).toBe(200);
    expect(done.body.state).toEqual({ action: "transfer_funds" });
    expect(decodeJwt(done.body.token).amr).toEqual(["otp"]);
  });

  it("accepts a caller-supplied code and works for users without MFA; methods is omitted", async () => {
    const { key } = await seedTenant();
    const { email } = await createUser(key);
    const start = await call("POST", "/api/two-factor/start", { key, body: { loginId: email, code: "ABC123" } });
    expect(start.body.code).toBe("ABC123");
    expect(start.body.methods).toBeUndefined();
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: start.body.twoFactorId, code: "ABC123" },
    });
    expect(done.status).toBe(200);
  });

  it("unknown users answer 404 with an empty body", async () => {
    const { key } = await seedTenant();
    const r = await call("POST", "/api/two-factor/start", { key, body: { userId: crypto.randomUUID() } });
    expect(r.status).toBe(404);
    expect(r.text).toBe("");
  });
});

describe("recovery codes and disabling", () => {
  it("regeneration returns 10 new codes and kills the old set", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const r = await call("POST", `/api/user/two-factor/recovery-code/${u.userId}`, {
      key,
      raw: "",
      headers: { "content-type": "text/plain" },
    });
    expect(r.status).toBe(200);
    expect(r.body.recoveryCodes).toHaveLength(10);
    const old = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: await loginFor242(key, u.email), code: u.recoveryCodes[1] },
    });
    expect(old.status).toBe(421);
    const fresh = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: await loginFor242(key, u.email), code: r.body.recoveryCodes[0] },
    });
    expect(fresh.status).toBe(200);
  });

  it("disable with the method's own code removes that method (query form)", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const r = await call(
      "DELETE",
      `/api/user/two-factor/${u.userId}?methodId=${u.methodId}&code=${await totp(u.secretBase32)}`,
      { key },
    );
    expect(r.status).toBe(200);
    expect(r.text).toBe("");
    const user = await call("GET", `/api/user/${u.userId}`, { key });
    expect(user.body.user.twoFactor.methods).toEqual([]);
    const login = await call("POST", "/api/login", { key, body: { loginId: u.email, password: PASSWORD } });
    expect(login.status).toBe(200);
  });

  it("disable with a recovery code (JSON body on DELETE) removes every method and code", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const r = await call("DELETE", `/api/user/two-factor/${u.userId}`, {
      key,
      body: { methodId: u.methodId, code: u.recoveryCodes[3] },
    });
    expect(r.status).toBe(200);
    const user = await call("GET", `/api/user/${u.userId}`, { key });
    expect(user.body.user.twoFactor.methods).toEqual([]);
    const rc = await call("GET", `/api/user/two-factor/recovery-code/${u.userId}`, { key });
    expect(rc.body.remainingRecoveryCodes).toBe(0);
  });

  it("disable with a wrong code answers 421 and removes nothing", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const r = await call("DELETE", `/api/user/two-factor/${u.userId}?methodId=${u.methodId}&code=000000`, { key });
    expect([421]).toContain(r.status);
    const user = await call("GET", `/api/user/${u.userId}`, { key });
    expect(user.body.user.twoFactor.methods).toHaveLength(1);
  });
});

describe("device trust", () => {
  it("trustComputer returns twoFactorTrustId (body and cookie); the next login with it skips the challenge", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: await loginFor242(key, u.email), code: await totp(u.secretBase32), trustComputer: true },
    });
    expect(done.status).toBe(200);
    const trustId = done.body.twoFactorTrustId as string;
    expect(trustId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(done.headers.get("set-cookie")).toContain(`fusionauth.trust=${trustId}`);
    const again = await call("POST", "/api/login", {
      key,
      body: { loginId: u.email, password: PASSWORD, twoFactorTrustId: trustId },
    });
    expect(again.status).toBe(200);
    const status = await call("GET", `/api/two-factor/status/${trustId}?userId=${u.userId}&applicationId=undefined`, {
      key,
    });
    expect(status.status).toBe(200);
    expect(status.body.trusts).toHaveLength(1);
    const none = await call("POST", "/api/two-factor/status", { key, body: { userId: u.userId } });
    expect(none.status).toBe(242);
  });

  it("trustPolicy None always challenges, This only trusts the same application", async () => {
    const { key, tenantId } = await seedTenant();
    const appA = await seedApplication(tenantId, { multiFactorConfiguration: { trustPolicy: "This" } });
    const appB = await seedApplication(tenantId, { multiFactorConfiguration: { trustPolicy: "This" } });
    const appNone = await seedApplication(tenantId, { multiFactorConfiguration: { trustPolicy: "None" } });
    const u = await enrolledUser(key);
    for (const a of [appA, appB, appNone]) await registerUser(key, u.userId, a);
    const done = await call("POST", "/api/two-factor/login", {
      body: {
        twoFactorId: await loginFor242(key, u.email, { applicationId: appA }),
        code: await totp(u.secretBase32),
        trustComputer: true,
      },
    });
    const trustId = done.body.twoFactorTrustId;
    const login = (applicationId: string) =>
      call("POST", "/api/login", {
        key,
        body: { loginId: u.email, password: PASSWORD, applicationId, twoFactorTrustId: trustId },
      });
    expect((await login(appA)).status).toBe(200);
    expect((await login(appB)).status).toBe(242);
    expect((await login(appNone)).status).toBe(242);
  });
});
