/**
 * Registrations at login (FusionAuth's Login API): with an `applicationId`, a user who is not
 * registered for the application is still authenticated but answered **202** (same body, with a
 * token), and the token carries neither `applicationId` nor `roles`; a registered user gets 200 and
 * both claims (`roles` an array, possibly empty). The same holds for the completion of a two-factor
 * login, which still makes no D1 query: the registration travels with the challenge.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { counters, resetCounters } from "../../src/services/instrumentation.ts";
import { call, clock, decodeJwt, loginFor242, type Target } from "../support/mfa.ts";
import { createUser, enrolledUser, PASSWORD, registerUser, seedApplication, seedTenant, totp } from "../support/mfa.ts";

const ROLES = [{ name: "admin" }, { name: "member", isDefault: true }];

/** Password login, naming the application when given. */
function passwordLogin(key: string, email: string, applicationId?: string) {
  return call("POST", "/api/login", {
    key,
    body: { loginId: email, password: PASSWORD, ...(applicationId ? { applicationId } : {}) },
  });
}

function claimsOf(token: string) {
  const c = decodeJwt(token);
  return { aud: c.aud, applicationId: c.applicationId, roles: c.roles };
}

describe("/api/login with applicationId", () => {
  it("not registered → 202 with a token that has neither applicationId nor roles", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId, { roles: ROLES });
    const u = await createUser(key);
    const r = await passwordLogin(key, u.email, appId);
    expect(r.status).toBe(202);
    expect(r.body.user.id).toBe(u.id);
    expect(claimsOf(r.body.token)).toEqual({ aud: appId, applicationId: undefined, roles: undefined });
  });

  it("registered → 200 with applicationId and the registration's roles", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId, { roles: ROLES });
    const u = await createUser(key);
    await registerUser(key, u.id, appId, ["admin", "member"]);
    const r = await passwordLogin(key, u.email, appId);
    expect(r.status).toBe(200);
    expect(claimsOf(r.body.token)).toEqual({ aud: appId, applicationId: appId, roles: ["admin", "member"] });
  });

  it("registered without roles → roles: [] (an array, never absent)", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId);
    const u = await createUser(key);
    await registerUser(key, u.id, appId);
    const r = await passwordLogin(key, u.email, appId);
    expect({ status: r.status, ...claimsOf(r.body.token) }).toEqual({
      status: 200,
      aud: appId,
      applicationId: appId,
      roles: [],
    });
  });

  it("registered for another application only → 202", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId);
    const other = await seedApplication(tenantId);
    const u = await createUser(key);
    await registerUser(key, u.id, other);
    const r = await passwordLogin(key, u.email, appId);
    expect(r.status).toBe(202);
  });

  it("requireRegistration does not turn the API's 202 into a refusal (it governs the hosted login)", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId, { oauthConfiguration: { requireRegistration: true } });
    const u = await createUser(key);
    const r = await passwordLogin(key, u.email, appId);
    expect(r.status).toBe(202);
  });

  it("without applicationId → 200 and no applicationId/roles claims", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await createUser(key);
    const r = await passwordLogin(key, u.email);
    expect({ status: r.status, ...claimsOf(r.body.token) }).toEqual({
      status: 200,
      aud: tenantId,
      applicationId: undefined,
      roles: undefined,
    });
  });
});

describe("/api/two-factor/login with applicationId", () => {
  const instrumented: Target = {
    app: createApp({ overrides: { now: () => clock.now } }),
    env: { ...env, BENCH_INSTRUMENTATION: "1" } as unknown as Env,
  };

  it("registered → 200 with roles, and the completion makes no D1 query", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId, { roles: ROLES });
    const u = await enrolledUser(key);
    await registerUser(key, u.userId, appId, ["admin"]);
    const twoFactorId = await loginFor242(key, u.email, { applicationId: appId });
    resetCounters();
    const r = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId, code: await totp(u.secretBase32) },
      via: instrumented,
    });
    expect({ status: r.status, d1Queries: counters.d1Queries }).toEqual({ status: 200, d1Queries: 0 });
    expect(claimsOf(r.body.token)).toEqual({ aud: appId, applicationId: appId, roles: ["admin"] });
  });

  it("not registered → 202 with a token without applicationId and roles", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId, { roles: ROLES });
    const u = await enrolledUser(key);
    const twoFactorId = await loginFor242(key, u.email, { applicationId: appId });
    const r = await call("POST", "/api/two-factor/login", { body: { twoFactorId, code: await totp(u.secretBase32) } });
    expect(r.status).toBe(202);
    expect(claimsOf(r.body.token)).toEqual({ aud: appId, applicationId: undefined, roles: undefined });
  });

  it("a step-up started with applicationId (by userId or loginId) carries the registration too", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId, { roles: ROLES });
    const u = await enrolledUser(key);
    await registerUser(key, u.userId, appId, ["member"]);
    for (const who of [{ userId: u.userId }, { loginId: u.email }]) {
      const start = await call("POST", "/api/two-factor/start", { key, body: { ...who, applicationId: appId } });
      const r = await call("POST", "/api/two-factor/login", {
        body: { twoFactorId: start.body.twoFactorId, code: start.body.code },
      });
      expect({ status: r.status, ...claimsOf(r.body.token) }).toEqual({
        status: 200,
        aud: appId,
        applicationId: appId,
        roles: ["member"],
      });
    }
  });
});
