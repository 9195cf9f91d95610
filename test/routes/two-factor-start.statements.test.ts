/**
 * `POST /api/two-factor/start` (issue 15, second pass): the user, their methods, recovery-code count
 * and passkeys, the API key and the tenant come back from one SQL statement (SQLite JSON
 * aggregation) beside the signing-key read, instead of a batch of six. The rows must be exactly what
 * the six separate selects give (`loadUser`), or a start would offer or snapshot the wrong factors.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { keyedHash } from "../../src/services/hashing.ts";
import { loadUser, loadUserCheckingKey } from "../../src/services/users.ts";
import { utf8 } from "../../src/domain/encoding.ts";
import { schema, tenants } from "../../src/storage/d1/schema.ts";
import { call, enrolledUser, seedTenant } from "../support/mfa.ts";

/** env with a D1 binding that records the SQL of every statement prepared through it. */
function recordingEnv(): { target: { app: ReturnType<typeof createApp>; env: Env }; prepared: string[] } {
  const prepared: string[] = [];
  const db = new Proxy(env.DB, {
    get(t, p) {
      if (p === "prepare")
        return (q: string) => {
          prepared.push(q);
          return t.prepare(q);
        };
      const v = Reflect.get(t, p, t);
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
  return { target: { app: createApp(), env: { ...env, DB: db } as Env }, prepared };
}

async function digestOf(key: string): Promise<string> {
  return keyedHash(utf8(env.HASH_PEPPER), "api-key", key);
}

/** A user with an authenticator, an email method, recovery codes, user data and two passkeys (inserted straight into D1). */
async function richUser() {
  const { key, tenantId } = await seedTenant({
    multiFactorConfiguration: { email: { enabled: true }, sms: { enabled: true } },
  });
  const u = await enrolledUser(key);
  await env.DB.prepare("UPDATE users SET data = ?, first_name = ? WHERE id = ?")
    .bind(JSON.stringify({ plan: "gold", n: 3, nested: { a: [1, "b"] } }), "Ada", u.userId)
    .run();
  await env.DB.prepare(
    "INSERT INTO mfa_methods (user_id, id, tenant_id, method, name, secret_enc, email, mobile_phone, last_used_at, created_at) VALUES (?, 'SMS1', ?, 'sms', NULL, NULL, NULL, '+15555550100', 1700000000, 1), (?, 'MAIL', ?, 'email', 'work', NULL, ?, NULL, NULL, 2)",
  )
    .bind(u.userId, tenantId, u.userId, tenantId, u.email)
    .run();
  for (const [i, be] of [
    [1, 1],
    [2, 0],
  ] as const) {
    await env.DB.prepare(
      "INSERT INTO passkeys (id, credential_id, tenant_id, user_id, public_key, algorithm, sign_count, transports, backup_eligible, backed_up, user_verified, discoverable, aaguid, relying_party_id, name, display_name, user_agent, created_at, last_used_at) VALUES (?, ?, ?, ?, 'pk', -7, 4, ?, ?, 0, 1, NULL, '00000000-0000-0000-0000-000000000000', 'edge-mfa.test', ?, NULL, 'ua', ?, NULL)",
    )
      .bind(
        crypto.randomUUID(),
        crypto.randomUUID(),
        tenantId,
        u.userId,
        JSON.stringify(["usb", "nfc"]),
        be,
        `key ${i}`,
        i,
      )
      .run();
  }
  return { key, tenantId, u };
}

describe("POST /api/two-factor/start: one statement for user, key and tenant", () => {
  it("a start with a known key prepares two D1 statements (user + key + tenant, signing key)", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const { target, prepared } = recordingEnv();
    expect((await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId }, via: target })).status).toBe(
      200,
    );
    prepared.length = 0;
    const r = await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId }, via: target });
    expect(r.status).toBe(200);
    expect(prepared.length).toBe(2);
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
      const separate = await loadUser(db, tenantId, lookup);
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
