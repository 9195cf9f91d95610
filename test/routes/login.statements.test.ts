/**
 * `POST /api/login` (issue 15): after the API-key check (its own batch: the key and the tenant), the
 * user, the application, the registration and the signing keys come back from one SQL statement
 * (src/storage/d1/one-statement.ts), not one statement each. Which key signs and which roles come
 * along are unchanged (test/routes/keys.happy.test.ts, registrations.login.test.ts).
 */
import { decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { generateKey } from "../support/keys.ts";
import { recordingEnv } from "../support/loaded-user.ts";
import {
  call,
  createUser,
  decodeJwt,
  enrolledUser,
  PASSWORD,
  registerUser,
  seedApplication,
  seedTenant,
} from "../support/mfa.ts";

/**
 * A login through a recording D1, after one that creates the tenant's default key: its statements
 * and answer. The tenant is named in X-FusionAuth-TenantId, so the key check reads it by id.
 */
async function countedLogin(key: string, tenantId: string, body: Record<string, unknown>) {
  const rec = recordingEnv();
  const headers = { "x-fusionauth-tenantid": tenantId };
  await call("POST", "/api/login", { key, body, headers, via: rec.target });
  rec.prepared.length = 0;
  const r = await call("POST", "/api/login", { key, body, headers, via: rec.target });
  const statements = rec.prepared.length;
  return { status: r.status, statements, body: r.body };
}

/** The key check's batch (src/middleware/auth.ts: the API key and the tenant, two statements). */
const KEY_CHECK = 2;

describe("POST /api/login: user, application, registration and signing keys in one statement", () => {
  it("a password login without a second factor: the key check and one statement", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await createUser(key);
    const r = await countedLogin(key, tenantId, { loginId: u.email, password: PASSWORD });
    expect({ status: r.status, statements: r.statements }).toEqual({ status: 200, statements: KEY_CHECK + 1 });
  });

  it("a login answering 242: the key check and one statement", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    const r = await countedLogin(key, tenantId, { loginId: u.email, password: PASSWORD });
    expect({ status: r.status, statements: r.statements }).toEqual({ status: 242, statements: KEY_CHECK + 1 });
  });

  it("with an applicationId naming its own key and a registration: one statement; that key signs, the roles come along", async () => {
    const { key, tenantId } = await seedTenant();
    const appKey = await generateKey(key, "ES256");
    await generateKey(key, "RS256");
    const appId = await seedApplication(tenantId, {
      roles: [{ name: "admin" }],
      jwtConfiguration: { enabled: true, accessTokenKeyId: appKey.id },
    });
    const u = await createUser(key);
    await registerUser(key, u.id, appId, ["admin"]);
    const r = await countedLogin(key, tenantId, { loginId: u.email, password: PASSWORD, applicationId: appId });
    expect({ status: r.status, statements: r.statements }).toEqual({ status: 200, statements: KEY_CHECK + 1 });
    const token = r.body.token as string;
    expect(decodeProtectedHeader(token).kid).toBe(appKey.kid);
    expect(decodeJwt(token)).toMatchObject({ applicationId: appId, roles: ["admin"] });
  });

  it("a wrong password and an unknown login id: the same statements", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await createUser(key);
    const wrong = await countedLogin(key, tenantId, { loginId: u.email, password: "wrong password!" });
    const unknown = await countedLogin(key, tenantId, {
      loginId: `nobody-${crypto.randomUUID()}@example.com`,
      password: "x",
    });
    expect(wrong.status).toBe(404);
    expect(unknown).toEqual(wrong);
  });

  it("without X-FusionAuth-TenantId, among other tenants: the key check finds the key's tenant in its own batch", async () => {
    await seedTenant();
    await seedTenant();
    const { key } = await seedTenant();
    const u = await createUser(key);
    const rec = recordingEnv();
    const body = { loginId: u.email, password: PASSWORD };
    await call("POST", "/api/login", { key, body, via: rec.target });
    rec.prepared.length = 0;
    const r = await call("POST", "/api/login", { key, body, via: rec.target });
    expect({ status: r.status, statements: rec.prepared.length }).toEqual({ status: 200, statements: KEY_CHECK + 1 });
  });
});
