/**
 * `POST /api/two-factor/start` reads the signing keys it needs (the tenant's newest asymmetric key and
 * the key an application's `jwtConfiguration.accessTokenKeyId` names), the application and the
 * user's registration in the same SQL statement as the user and the key check (issue 15: each D1
 * statement is a round trip with a large fixed cost). Which key signs stays the rule of
 * src/services/signing-keys.ts: the application's key when its override is enabled and the key is
 * still the tenant's, else the tenant's newest asymmetric key; a trust token never with an HMAC key.
 */
import { decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { generateKey } from "../support/keys.ts";
import { recordingEnv } from "../support/loaded-user.ts";
import { call, decodeJwt, enrolledUser, registerUser, seedApplication, seedTenant } from "../support/mfa.ts";

type Recording = ReturnType<typeof recordingEnv>;

/** A start through `rec` (after one to warm the isolate's key memo and create the tenant's default key): its statements and answer. */
async function countedStart(key: string, rec: Recording, body: Record<string, unknown>) {
  expect((await call("POST", "/api/two-factor/start", { key, body, via: rec.target })).status).toBe(200);
  rec.prepared.length = 0;
  const r = await call("POST", "/api/two-factor/start", { key, body, via: rec.target });
  return { status: r.status, body: r.body, statements: rec.prepared.length };
}

/** Completes a started challenge with its code: the access and trust tokens' kids and claims. */
async function complete(twoFactorId: string, code: string) {
  const done = await call("POST", "/api/two-factor/login", { body: { twoFactorId, code } });
  expect([200, 202]).toContain(done.status);
  const claims = decodeJwt(done.body.token);
  return {
    status: done.status,
    kid: decodeProtectedHeader(done.body.token).kid,
    trustKid: decodeProtectedHeader(done.body.trustToken).kid,
    roles: claims.roles,
    applicationId: claims.applicationId,
  };
}

async function setup(jwtConfiguration: (keys: { app: any }) => Record<string, unknown>, alg: "ES256" | "HS256") {
  const { key, tenantId } = await seedTenant();
  const u = await enrolledUser(key);
  const appKey = await generateKey(key, alg);
  const tenantKey = await generateKey(key, "RS256");
  const appId = await seedApplication(tenantId, {
    roles: [{ name: "admin" }],
    jwtConfiguration: jwtConfiguration({ app: appKey }),
  });
  await registerUser(key, u.userId, appId, ["admin"]);
  return { key, tenantId, u, appKey, tenantKey, appId };
}

describe("POST /api/two-factor/start: signing keys, application and registration in the start's one statement", () => {
  it("a start with a userId prepares one D1 statement", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const r = await countedStart(key, recordingEnv(), { userId: u.userId });
    expect({ status: r.status, statements: r.statements }).toEqual({ status: 200, statements: 1 });
  });

  it("an application naming an ES256 key: one statement, by userId and by loginId; that key signs both tokens and the roles come along", async () => {
    const t = await setup(({ app }) => ({ enabled: true, accessTokenKeyId: app.id }), "ES256");
    for (const who of [{ userId: t.u.userId }, { loginId: t.u.email }]) {
      const r = await countedStart(t.key, recordingEnv(), { ...who, applicationId: t.appId });
      expect({ status: r.status, statements: r.statements }).toEqual({ status: 200, statements: 1 });
      expect(await complete(r.body.twoFactorId, r.body.code)).toEqual({
        status: 200,
        kid: t.appKey.kid,
        trustKid: t.appKey.kid,
        roles: ["admin"],
        applicationId: t.appId,
      });
    }
  });

  it("an application naming an HMAC key: it signs the access token, the tenant's newest asymmetric key the trust token", async () => {
    const t = await setup(({ app }) => ({ enabled: true, accessTokenKeyId: app.id }), "HS256");
    const r = await countedStart(t.key, recordingEnv(), { userId: t.u.userId, applicationId: t.appId });
    expect({ status: r.status, statements: r.statements }).toEqual({ status: 200, statements: 1 });
    expect(await complete(r.body.twoFactorId, r.body.code)).toMatchObject({
      kid: t.appKey.kid,
      trustKid: t.tenantKey.kid,
    });
  });

  it("the override disabled, or its key deleted: the tenant's key signs", async () => {
    const off = await setup(({ app }) => ({ enabled: false, accessTokenKeyId: app.id }), "ES256");
    const r = await countedStart(off.key, recordingEnv(), { userId: off.u.userId, applicationId: off.appId });
    expect(r.statements).toBe(1);
    expect(await complete(r.body.twoFactorId, r.body.code)).toMatchObject({ kid: off.tenantKey.kid });

    const gone = await setup(({ app }) => ({ enabled: true, accessTokenKeyId: app.id }), "ES256");
    expect((await call("DELETE", `/api/key/${gone.appKey.id}`, { key: gone.key })).status).toBe(200);
    const g = await countedStart(gone.key, recordingEnv(), { userId: gone.u.userId, applicationId: gone.appId });
    expect(g.statements).toBe(1);
    expect(await complete(g.body.twoFactorId, g.body.code)).toMatchObject({
      kid: gone.tenantKey.kid,
      trustKid: gone.tenantKey.kid,
    });
  });

  it("a key id stored in another case still names the key (settings complete it lowercased)", async () => {
    const t = await setup(({ app }) => ({ enabled: true, accessTokenKeyId: String(app.id).toUpperCase() }), "ES256");
    const r = await countedStart(t.key, recordingEnv(), { userId: t.u.userId, applicationId: t.appId });
    expect(r.statements).toBe(1);
    expect(await complete(r.body.twoFactorId, r.body.code)).toMatchObject({ kid: t.appKey.kid });
  });

  it("an application of another tenant answers 400, an unknown user 404, a user not registered completes with 202", async () => {
    const t = await setup(({ app }) => ({ enabled: true, accessTokenKeyId: app.id }), "ES256");
    const other = await seedTenant();
    const foreignApp = await seedApplication(other.tenantId);
    const bad = await call("POST", "/api/two-factor/start", {
      key: t.key,
      body: { userId: t.u.userId, applicationId: foreignApp },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fieldErrors.applicationId[0].code).toBe("[invalid]applicationId");
    const unknown = await call("POST", "/api/two-factor/start", {
      key: t.key,
      body: { userId: crypto.randomUUID(), applicationId: t.appId },
    });
    expect(unknown.status).toBe(404);
    const stranger = await enrolledUser(t.key);
    const s = await call("POST", "/api/two-factor/start", {
      key: t.key,
      body: { userId: stranger.userId, applicationId: t.appId },
    });
    expect(await complete(s.body.twoFactorId, s.body.code)).toMatchObject({ status: 202, kid: t.appKey.kid });
  });
});
