/**
 * Test support for the user loader (src/services/users.ts `loadUser`, one SQL statement): a D1 binding
 * that records every statement prepared through it, a user with every kind of row the loader reads,
 * and the reference the loader must equal: the same rows as plain drizzle selects.
 */
import { env } from "cloudflare:workers";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { createApp } from "../../src/app.ts";
import type { LoadedUser, UserLookup } from "../../src/services/users.ts";
import { mfaMethods, passkeys, recoveryCodes, type schema, users } from "../../src/storage/d1/schema.ts";
import { clock, enrolledUser, seedTenant } from "./mfa.ts";

/** A D1 binding that records the SQL of every statement prepared through it. */
export function recordingD1(): { db: D1Database; prepared: string[] } {
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
  return { db, prepared };
}

/** env with a recording D1 binding, and an app on the tests' clock (test/support/mfa.ts) to call through it. */
export function recordingEnv(): { target: { app: ReturnType<typeof createApp>; env: Env }; prepared: string[] } {
  const { db, prepared } = recordingD1();
  return {
    target: { app: createApp({ overrides: { now: () => clock.now } }), env: { ...env, DB: db } as Env },
    prepared,
  };
}

/** A user with an authenticator, an email method, recovery codes, user data and two passkeys (inserted straight into D1). */
export async function richUser() {
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

export type Db = DrizzleD1Database<typeof schema>;

/** The reference: the user, methods, recovery-code count and passkeys as four plain drizzle selects. */
export async function separateSelects(db: Db, tenantId: string, q: UserLookup): Promise<LoadedUser | null> {
  const w =
    q.by === "id"
      ? and(eq(users.tenantId, tenantId), eq(users.id, q.id))
      : q.by === "loginId"
        ? and(
            eq(users.tenantId, tenantId),
            sql`(${users.emailLower} = ${q.loginId.toLowerCase()} OR ${users.usernameLower} = ${q.loginId.toLowerCase()})`,
          )
        : undefined;
  if (!w) throw new Error(`lookup ${q.by} not covered by the reference`);
  const idOf = db.select({ id: users.id }).from(users).where(w).limit(1);
  const [user] = await db.select().from(users).where(w).limit(1);
  if (!user) return null;
  const methods = await db
    .select()
    .from(mfaMethods)
    .where(inArray(mfaMethods.userId, idOf))
    .orderBy(mfaMethods.createdAt);
  const [rc] = await db
    .select({ n: sql<number>`count(*)` })
    .from(recoveryCodes)
    .where(and(inArray(recoveryCodes.userId, idOf), isNull(recoveryCodes.usedAt)));
  const keys = await db
    .select()
    .from(passkeys)
    .where(and(eq(passkeys.tenantId, tenantId), inArray(passkeys.userId, idOf)))
    .orderBy(passkeys.createdAt);
  return { user, methods, unusedRecoveryCodes: rc?.n ?? 0, passkeys: keys };
}
