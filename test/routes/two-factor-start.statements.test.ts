/**
 * `POST /api/two-factor/start` (issue 15, second pass): the user, their methods, recovery-code count
 * and passkeys, the API key, the tenant and (third pass: two-factor-start.signing-key.test.ts) the
 * signing key come back from one SQL statement (SQLite JSON aggregation). The rows must be exactly
 * what the separate selects give, or a start would offer or snapshot the wrong factors.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { keyedHash } from "../../src/services/hashing.ts";
import { keyedTenantRead } from "../../src/services/tenant-context.ts";
import { userRead, type UserLookup } from "../../src/services/users.ts";
import { readTogether } from "../../src/storage/d1/one-statement.ts";
import { utf8 } from "../../src/domain/encoding.ts";
import { schema, tenants } from "../../src/storage/d1/schema.ts";
import { recordingEnv, richUser, separateSelects, type Db } from "../support/loaded-user.ts";
import { call, enrolledUser, seedTenant } from "../support/mfa.ts";

async function digestOf(key: string): Promise<string> {
  return keyedHash(utf8(env.HASH_PEPPER), "api-key", key);
}

/** The start's user read with the key check, as `POST /api/two-factor/start` composes it. */
function loadUserCheckingKey(db: Db, tenantId: string, q: UserLookup, keyDigest: string) {
  return readTogether(db, { loaded: userRead(tenantId, q), tenant: keyedTenantRead(tenantId, keyDigest) });
}

describe("POST /api/two-factor/start: one statement for user, key and tenant", () => {
  it("a start with a known key prepares one D1 statement (user + key + tenant + signing key)", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const { target, prepared } = recordingEnv();
    expect((await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId }, via: target })).status).toBe(
      200,
    );
    prepared.length = 0;
    const r = await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId }, via: target });
    expect(r.status).toBe(200);
    expect(prepared.length).toBe(1);
  });

  it("loads exactly the rows the separate selects give: by id, by login id, unknown user, wrong key", async () => {
    const { key, tenantId, u } = await richUser();
    const db = drizzle(env.DB, { schema });
    const digest = await digestOf(key);
    const [tenantRow] = await db.select().from(tenants).where(eq(tenants.id, tenantId));
    for (const lookup of [
      { by: "id", id: u.userId } as const,
      { by: "loginId", loginId: u.email.toUpperCase() } as const,
    ]) {
      const separate = await separateSelects(db, tenantId, lookup);
      const one = await loadUserCheckingKey(db, tenantId, lookup, digest);
      expect(separate?.methods.map((m) => m.id)).toEqual(["SMS1", "MAIL", u.methodId]);
      expect(separate?.passkeys.length).toBe(2);
      expect(separate?.unusedRecoveryCodes).toBeGreaterThan(0);
      expect(one).toEqual({ loaded: separate, tenant: tenantRow });
    }
    const missing = await loadUserCheckingKey(db, tenantId, { by: "id", id: crypto.randomUUID() }, digest);
    expect(missing).toEqual({ loaded: null, tenant: tenantRow });
    const other = await seedTenant();
    const wrongKey = await loadUserCheckingKey(db, tenantId, { by: "id", id: u.userId }, await digestOf(other.key));
    expect(wrongKey.tenant).toBeNull();
    // Another tenant's user is not found through this tenant.
    const crossTenant = await loadUserCheckingKey(db, other.tenantId, { by: "id", id: u.userId }, digest);
    expect(crossTenant).toEqual({ loaded: null, tenant: null });
  });

  it("a method removed in D1 is no longer offered by the next start", async () => {
    const { key, u } = await richUser();
    const before = await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId } });
    expect(before.body.methods.map((m: { id: string }) => m.id)).toContain("SMS1");
    await env.DB.prepare("DELETE FROM mfa_methods WHERE user_id = ? AND id = ?").bind(u.userId, "SMS1").run();
    const after = await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId } });
    expect(after.status).toBe(200);
    expect(after.body.methods.map((m: { id: string }) => m.id)).not.toContain("SMS1");
  });
});
