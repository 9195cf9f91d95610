/**
 * The trustToken (issue 13, deferred item 5 of issue 10): a JWS by one of the tenant's asymmetric
 * signing keys, explicitly typed `typ: "trust+jwt"` (RFC 8725 §3.11), with `tch` =
 * base64url(SHA-256(trustChallenge)) so an application can check the binding with the tenant's JWKS
 * alone. Step-up accepts only that type under the tenant's own keys: neither an access token, nor a
 * token of another tenant's key, nor the former HS256 token under a server secret. And a trust token
 * is not an access token: it fails the checks an application makes on one (`aud`, `typ`).
 */
import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { sign } from "hono/jwt";
import { beforeEach, describe, expect, it } from "vitest";
import { signJwt, tenantSigner } from "../../src/services/signing-keys.ts";
import { keyedHash } from "../../src/services/hashing.ts";
import { utf8 } from "../../src/domain/encoding.ts";
import { call, clock, enrolledUser, nextStep, seedApplication, seedTenant } from "../support/mfa.ts";
import { tenantJwks } from "../support/keys.ts";
import { testServices } from "../support/services.ts";

const ON = { multiFactorConfiguration: { stepUp: { requiredForSensitiveActions: true } } };
const HEADER = "x-edgemfa-trust-token";
const ACTION = "mfa:regenerate-recovery-codes";

beforeEach(() => nextStep());

async function tch(trustChallenge: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(trustChallenge)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** start (key) → login with the code: the completion's body (token and trustToken). */
async function stepUp(key: string, userId: string, extra: Record<string, unknown> = {}) {
  const start = await call("POST", "/api/two-factor/start", { key, body: { userId, ...extra } });
  if (start.status !== 200) throw new Error(`start: ${start.status} ${start.text}`);
  const done = await call("POST", "/api/two-factor/login", {
    body: { twoFactorId: start.body.twoFactorId, code: start.body.code },
  });
  // 202: completed, the user not being registered for the applicationId (tokens are minted all the same).
  if (done.status !== 200 && done.status !== 202) throw new Error(`login: ${done.status} ${done.text}`);
  return done.body as { token: string; trustToken: string };
}

/** The sensitive change the proofs are tried on: regenerating recovery codes (200, or 400 [TrustTokenRequired]). */
function regenerate(key: string, userId: string, proof: string) {
  return call("POST", `/api/user/two-factor/recovery-code/${userId}`, { key, headers: { [HEADER]: proof } });
}

async function setup() {
  const { key, tenantId } = await seedTenant();
  const u = await enrolledUser(key);
  await env.DB.prepare("UPDATE tenants SET settings = ? WHERE id = ?").bind(JSON.stringify(ON), tenantId).run();
  return { key, tenantId, u };
}

/** A token with exactly a trust token's claims for `ACTION`, signed by `tenantOfKey`'s signing key with header `typ`. */
async function forged(tenantId: string, userId: string, tenantOfKey: string, typ: string) {
  const s = testServices();
  const claims = {
    sub: userId,
    tid: tenantId,
    iat: clock.now,
    exp: clock.now + 180,
    jti: crypto.randomUUID(),
    tch: await tch(ACTION),
    // The user's step-up proof epoch: one factor change (the enrolment in setup) moved it to 1.
    sep: 1,
  };
  return signJwt(s, await tenantSigner(s, tenantOfKey), claims, { typ });
}

describe("trust token format", () => {
  it("signed by the tenant's key with typ trust+jwt; tch = base64url(SHA-256(trustChallenge)), checkable with the JWKS alone", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId);
    const u = await enrolledUser(key);
    const trustChallenge = `checkout-${crypto.randomUUID()}`;
    const { trustToken } = await stepUp(key, u.userId, { trustChallenge, applicationId: appId });
    const jwks = await tenantJwks(tenantId);
    expect(decodeProtectedHeader(trustToken)).toEqual({ alg: "RS256", typ: "trust+jwt", kid: jwks.keys[0]!.kid });
    // What an application does: verify with the tenant's JWKS, require the type, compare tch.
    const { payload } = await jwtVerify(trustToken, createLocalJWKSet(jwks), {
      typ: "trust+jwt",
      currentDate: new Date(clock.now * 1000),
    });
    expect(payload).toMatchObject({ sub: u.userId, tid: tenantId, azp: appId, tch: await tch(trustChallenge) });
    expect(payload.exp! - payload.iat!).toBe(180);
    expect({ aud: payload.aud, iss: payload.iss }).toEqual({ aud: undefined, iss: undefined });
  });

  it("without a trustChallenge there is no tch", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const { trustToken } = await stepUp(key, u.userId);
    const [, body] = trustToken.split(".");
    expect(JSON.parse(atob(body!.replace(/-/g, "+").replace(/_/g, "/")))).not.toHaveProperty("tch");
  });
});

describe("a trust token is only a trust token, under the tenant's keys", () => {
  it("a token with a trust token's claims but typ JWT (an access token's type) is refused; the same with typ trust+jwt works", async () => {
    const { key, tenantId, u } = await setup();
    expect((await regenerate(key, u.userId, await forged(tenantId, u.userId, tenantId, "JWT"))).status).toBe(400);
    expect((await regenerate(key, u.userId, await forged(tenantId, u.userId, tenantId, "trust+jwt"))).status).toBe(200);
  });

  it("the access token of a step-up is not a proof", async () => {
    const { key, u } = await setup();
    const { token } = await stepUp(key, u.userId, { trustChallenge: ACTION });
    const r = await regenerate(key, u.userId, token);
    expect({ status: r.status, code: r.body?.generalErrors?.[0]?.code }).toEqual({
      status: 400,
      code: "[TrustTokenRequired]",
    });
  });

  it("another tenant's key is refused, even with this tenant's claims", async () => {
    const { key, tenantId, u } = await setup();
    const other = await seedTenant();
    expect(
      (await regenerate(key, u.userId, await forged(tenantId, u.userId, other.tenantId, "trust+jwt"))).status,
    ).toBe(400);
  });

  it("the former HS256 trust token under the JWT_SIGNING_KEY secret (now gone) is refused", async () => {
    const { key, tenantId, u } = await setup();
    const legacy = await sign(
      {
        typ: "trust",
        sub: u.userId,
        tid: tenantId,
        iat: clock.now,
        exp: clock.now + 180,
        jti: crypto.randomUUID(),
        // The former binding: a keyed hash under the service pepper.
        tch: await keyedHash(utf8(env.HASH_PEPPER), "otp", "trust-challenge", ACTION),
      },
      "test-only-jwt-signing-key-0123456789abcdefghij",
      "HS256",
    );
    expect((await regenerate(key, u.userId, legacy)).status).toBe(400);
  });

  it("a trust token fails every access-token check: aud (apps), iss (userinfo/introspect), typ JWT (RFC 8725)", async () => {
    const { key, tenantId } = await seedTenant();
    const appId = await seedApplication(tenantId);
    const u = await enrolledUser(key);
    const { token, trustToken } = await stepUp(key, u.userId, { applicationId: appId });
    const keys = createLocalJWKSet(await tenantJwks(tenantId));
    const at = { currentDate: new Date(clock.now * 1000) };
    // The access token of the same completion passes all three checks (control).
    await jwtVerify(token, keys, { ...at, audience: appId, issuer: "edge-mfa", typ: "JWT" });
    await expect(jwtVerify(trustToken, keys, { ...at, audience: appId })).rejects.toThrow(/aud/);
    await expect(jwtVerify(trustToken, keys, { ...at, issuer: "edge-mfa" })).rejects.toThrow(/iss/);
    await expect(jwtVerify(trustToken, keys, { ...at, typ: "JWT" })).rejects.toThrow(/typ/);
  });
});
