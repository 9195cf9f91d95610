/**
 * Keys and tokens: the Key Master API in FusionAuth's shape, the tenant JWKS, and access tokens from
 * /api/login and /api/two-factor/login that verify against that JWKS with jose (RS256 and ES256),
 * including across a key rotation until the old key is deleted.
 */
import { calculateJwkThumbprint, errors, importSPKI, exportJWK } from "jose";
import { describe, expect, it } from "vitest";
import { api, createTenant } from "../helpers.ts";
import {
  call,
  createUser,
  enrolledUser,
  loginFor242,
  PASSWORD,
  registerUser,
  seedApplication,
  seedTenant,
  totp,
} from "../support/mfa.ts";
import { generateKey, tenantJwks, verifyWithJwks } from "../support/keys.ts";

async function passwordToken(key: string, email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await call("POST", "/api/login", { key, body: { loginId: email, password: PASSWORD, ...extra } });
  expect(r.status, r.text).toBe(200);
  return r.body.token;
}

describe("keys API", () => {
  it("generates RS256, ES256 and HS256 keys in FusionAuth's shape and reads them back", async () => {
    const { key } = await seedTenant();
    const rs = await generateKey(key, "RS256", { length: 3072 });
    expect(rs).toMatchObject({ algorithm: "RS256", type: "RSA", length: 3072, hasPrivateKey: true });
    expect(rs.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    // kid = RFC 7638 SHA-256 thumbprint of the public key.
    expect(rs.kid).toBe(
      await calculateJwkThumbprint(await exportJWK(await importSPKI(rs.publicKey, "RS256", { extractable: true }))),
    );
    const es = await generateKey(key, "ES256");
    expect(es).toMatchObject({ algorithm: "ES256", type: "EC", length: 256 });
    const hs = await generateKey(key, "HS256");
    expect(hs).toMatchObject({ algorithm: "HS256", type: "HMAC", length: 256, hasPrivateKey: false });
    expect(hs.publicKey).toBeUndefined();

    const one = await call("GET", `/api/key/${es.id}`, { key });
    expect(one.body).toEqual({ key: es });
    const list = await call("GET", "/api/key", { key });
    expect(list.body.keys.map((k: any) => k.id)).toEqual([rs.id, es.id, hs.id]);

    expect((await call("DELETE", `/api/key/${hs.id}`, { key })).status).toBe(200);
    expect((await call("GET", `/api/key/${hs.id}`, { key })).status).toBe(404);
  });

  it("POST /api/key/generate/{keyId} keeps the given id", async () => {
    const { key } = await seedTenant();
    const id = crypto.randomUUID();
    const r = await call("POST", `/api/key/generate/${id}`, {
      key,
      body: { key: { algorithm: "ES256", name: "For exampleapp" } },
    });
    expect(r.status).toBe(200);
    expect(r.body.key).toMatchObject({ id, name: "For exampleapp" });
  });

  it("a tenant created through the API has its RS256 2048 signing key at once", async () => {
    const tenant = await createTenant();
    const r = await api("/api/key", { tenantId: tenant.id });
    expect(r.json.keys).toEqual([
      expect.objectContaining({ algorithm: "RS256", length: 2048, name: "Default signing key" }),
    ]);
    const jwks = await tenantJwks(tenant.id);
    expect(jwks.keys).toEqual([
      expect.objectContaining({ kty: "RSA", kid: r.json.keys[0].kid, alg: "RS256", use: "sig" }),
    ]);
  });
});

describe("JWKS", () => {
  it("publishes every asymmetric key's public half with kid, alg and use=sig, never an HMAC key", async () => {
    const { key, tenantId } = await seedTenant();
    const rs = await generateKey(key, "RS256");
    const es = await generateKey(key, "ES256");
    await generateKey(key, "HS256");
    const jwks = await tenantJwks(tenantId);
    expect(jwks.keys).toEqual([
      { kty: "EC", crv: "P-256", x: expect.any(String), y: expect.any(String), kid: es.kid, alg: "ES256", use: "sig" },
      { kty: "RSA", n: expect.any(String), e: "AQAB", kid: rs.kid, alg: "RS256", use: "sig" },
    ]);
  });

  it("a tenant seeded before keys existed gets its default key on first need", async () => {
    const { key, tenantId } = await seedTenant();
    const jwks = await tenantJwks(tenantId);
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: "RSA", alg: "RS256", use: "sig" })]);
    const list = await call("GET", "/api/key", { key });
    expect(list.body.keys).toEqual([expect.objectContaining({ name: "Default signing key", kid: jwks.keys[0]!.kid })]);
  });
});

describe("access tokens verify against the tenant's JWKS", () => {
  it("POST /api/login: RS256 by default with kid and typ, aud = the tenant id without an application", async () => {
    const { key, tenantId } = await seedTenant();
    const { id, email } = await createUser(key);
    const token = await passwordToken(key, email);
    const { payload, header } = await verifyWithJwks(token, tenantId, tenantId);
    expect(header).toEqual({ alg: "RS256", typ: "JWT", kid: (await tenantJwks(tenantId)).keys[0]!.kid });
    expect(payload).toMatchObject({
      sub: id,
      tid: tenantId,
      aud: tenantId,
      authenticationType: "PASSWORD",
      amr: ["pwd"],
      email,
    });
    expect(payload.applicationId).toBeUndefined();
  });

  it("POST /api/login with an application: aud and applicationId are the application id", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId);
    const { id, email } = await createUser(key);
    await registerUser(key, id, appId);
    const { payload } = await verifyWithJwks(
      await passwordToken(key, email, { applicationId: appId }),
      tenantId,
      appId,
    );
    expect(payload).toMatchObject({ aud: appId, applicationId: appId });
  });

  it("POST /api/two-factor/login: ES256 after the tenant generated an ES256 key", async () => {
    const { key, tenantId } = await seedTenant();
    const es = await generateKey(key, "ES256");
    const appId = await seedApplication(tenantId);
    const u = await enrolledUser(key);
    await registerUser(key, u.userId, appId);
    const twoFactorId = await loginFor242(key, u.email, { applicationId: appId });
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId, code: await totp(u.secretBase32) },
    });
    expect(done.status).toBe(200);
    const { payload, header } = await verifyWithJwks(done.body.token, tenantId, appId);
    expect(header).toEqual({ alg: "ES256", typ: "JWT", kid: es.kid });
    expect(payload).toMatchObject({
      sub: u.userId,
      aud: appId,
      authenticationType: "PASSWORD",
      amr: ["pwd", "otp", "mfa"],
    });
  });

  it("POST /api/two-factor/login: RS256 under the default key", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    const twoFactorId = await loginFor242(key, u.email);
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId, code: await totp(u.secretBase32) },
    });
    const { header } = await verifyWithJwks(done.body.token, tenantId, tenantId);
    expect(header.alg).toBe("RS256");
  });

  it("rotation: a new key signs, the old token verifies until its key is deleted", async () => {
    const { key, tenantId } = await seedTenant();
    const { email } = await createUser(key);
    const oldToken = await passwordToken(key, email);
    const [old] = (await call("GET", "/api/key", { key })).body.keys;
    const next = await generateKey(key, "ES256");
    const newToken = await passwordToken(key, email);
    expect((await verifyWithJwks(newToken, tenantId, tenantId)).header.kid).toBe(next.kid);
    expect((await verifyWithJwks(oldToken, tenantId, tenantId)).header.kid).toBe(old.kid);

    expect((await call("DELETE", `/api/key/${old.id}`, { key })).status).toBe(200);
    await expect(verifyWithJwks(oldToken, tenantId, tenantId)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    await verifyWithJwks(newToken, tenantId, tenantId);
  });

  it("an application's enabled jwtConfiguration.accessTokenKeyId signs its tokens; other logins keep the tenant's key", async () => {
    const { key, tenantId } = await seedTenant();
    const appKey = await generateKey(key, "ES256");
    const tenantKey = await generateKey(key, "RS256");
    const mk = (jwtConfiguration: Record<string, unknown>) =>
      call("POST", "/api/application", { key, body: { application: { name: "app", jwtConfiguration } } });
    const app = (await mk({ enabled: true, accessTokenKeyId: appKey.id })).body.application;
    expect(app.jwtConfiguration).toMatchObject({ enabled: true, accessTokenKeyId: appKey.id });
    const disabled = (await mk({ enabled: false, accessTokenKeyId: appKey.id })).body.application;
    const u = await enrolledUser(key);
    await registerUser(key, u.userId, app.id);
    const twoFactorId = await loginFor242(key, u.email, { applicationId: app.id });
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId, code: await totp(u.secretBase32) },
    });
    expect((await verifyWithJwks(done.body.token, tenantId, app.id)).header).toMatchObject({
      alg: "ES256",
      kid: appKey.kid,
    });
    const { id, email } = await createUser(key);
    for (const a of [app.id, disabled.id]) await registerUser(key, id, a);
    expect(
      (await verifyWithJwks(await passwordToken(key, email, { applicationId: app.id }), tenantId, app.id)).header.kid,
    ).toBe(appKey.kid);
    expect(
      (await verifyWithJwks(await passwordToken(key, email, { applicationId: disabled.id }), tenantId, disabled.id))
        .header.kid,
    ).toBe(tenantKey.kid);
    expect((await verifyWithJwks(await passwordToken(key, email), tenantId, tenantId)).header.kid).toBe(tenantKey.kid);
  });

  it("a challenge completes with the key resolved when it started, even after a rotation", async () => {
    const { key, tenantId } = await seedTenant();
    const first = await generateKey(key, "ES256");
    const u = await enrolledUser(key);
    const twoFactorId = await loginFor242(key, u.email);
    await generateKey(key, "RS256");
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId, code: await totp(u.secretBase32) },
    });
    expect((await verifyWithJwks(done.body.token, tenantId, tenantId)).header.kid).toBe(first.kid);
  });
});
