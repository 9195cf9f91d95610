/**
 * Users: storage access and the FusionAuth user JSON. `toUserJson` is the only way a user leaves the
 * service, and it never includes a password hash, a TOTP secret or a recovery code.
 */
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "./container.ts";
import { methodFactor } from "../factors/registry.ts";
import type { PublicFields } from "../factors/types.ts";
import { apiKeys, mfaMethods, passkeys, recoveryCodes, tenants, users, type TenantRow } from "../storage/d1/schema.ts";

export type UserRow = typeof users.$inferSelect;
export type MethodRow = typeof mfaMethods.$inferSelect;
export type PasskeyRow = typeof passkeys.$inferSelect;

export type PublicMethod = {
  id: string;
  method: MethodRow["method"];
  name?: string;
  lastUsed?: true;
} & PublicFields;

/** FusionAuth's secured method object: no secret, `lastUsed` only on the most recently used one. */
export function toPublicMethods(rows: MethodRow[]): PublicMethod[] {
  const last = rows.reduce<MethodRow | null>(
    (best, r) => (r.lastUsedAt !== null && (best === null || (best.lastUsedAt ?? 0) < r.lastUsedAt) ? r : best),
    null,
  );
  return rows.map((r) => {
    const m: PublicMethod = { id: r.id, method: r.method };
    if (r.name) m.name = r.name;
    if (last && r.id === last.id) m.lastUsed = true;
    return Object.assign(m, methodFactor(r).method.publicFields(r));
  });
}

export function toUserJson(u: UserRow, methods: MethodRow[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: u.id,
    tenantId: u.tenantId,
    active: u.active,
    insertInstant: u.createdAt * 1000,
    lastUpdateInstant: u.updatedAt * 1000,
    twoFactor: { methods: toPublicMethods(methods) },
  };
  if (u.email !== null) out.email = u.email;
  if (u.username !== null) out.username = u.username;
  if (u.mobilePhone !== null) out.mobilePhone = u.mobilePhone;
  if (u.firstName !== null) out.firstName = u.firstName;
  if (u.lastName !== null) out.lastName = u.lastName;
  if (u.data) out.data = u.data;
  return out;
}

export type UserLookup =
  | { by: "id"; id: string }
  | { by: "email"; email: string }
  | { by: "loginId"; loginId: string }
  | { by: "username"; username: string };

function where(tenantId: string, q: UserLookup) {
  switch (q.by) {
    case "id":
      return and(eq(users.tenantId, tenantId), eq(users.id, q.id));
    case "email":
      return and(eq(users.tenantId, tenantId), eq(users.emailLower, q.email.toLowerCase()));
    case "username":
      return and(eq(users.tenantId, tenantId), eq(users.usernameLower, q.username.toLowerCase()));
    case "loginId": {
      const l = q.loginId.toLowerCase();
      return and(eq(users.tenantId, tenantId), sql`(${users.emailLower} = ${l} OR ${users.usernameLower} = ${l})`);
    }
  }
}

export type LoadedUser = { user: UserRow; methods: MethodRow[]; unusedRecoveryCodes: number; passkeys: PasskeyRow[] };

/** One D1 round trip (a batch): the user scoped to the tenant, their methods, the count of unused recovery codes, and their passkeys. */
export async function loadUser(db: Db, tenantId: string, q: UserLookup): Promise<LoadedUser | null> {
  const s = userStatements(db, tenantId, q);
  return loadedUser(await db.batch([s.user, s.methods, s.recovery, s.passkeys]));
}

/**
 * `loadUser`, and in the same batch the API key with digest `keyDigest` in this tenant and the
 * tenant row: `tenant` is the row when that key exists, else null (answer 401).
 */
export async function loadUserCheckingKey(
  db: Db,
  tenantId: string,
  q: UserLookup,
  keyDigest: string,
): Promise<{ loaded: LoadedUser | null; tenant: TenantRow | null }> {
  const s = userStatements(db, tenantId, q);
  const [u, m, rc, pk, keyRows, tenantRows] = await db.batch([
    s.user,
    s.methods,
    s.recovery,
    s.passkeys,
    db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, keyDigest), eq(apiKeys.tenantId, tenantId)))
      .limit(1),
    db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1),
  ]);
  return { loaded: loadedUser([u, m, rc, pk]), tenant: keyRows.length === 1 ? (tenantRows[0] ?? null) : null };
}

function userStatements(db: Db, tenantId: string, q: UserLookup) {
  const w = where(tenantId, q);
  const idOf = db.select({ id: users.id }).from(users).where(w).limit(1);
  return {
    user: db.select().from(users).where(w).limit(1),
    methods: db.select().from(mfaMethods).where(inArray(mfaMethods.userId, idOf)).orderBy(mfaMethods.createdAt),
    recovery: db
      .select({ n: sql<number>`count(*)` })
      .from(recoveryCodes)
      .where(and(inArray(recoveryCodes.userId, idOf), isNull(recoveryCodes.usedAt))),
    passkeys: db
      .select()
      .from(passkeys)
      .where(and(eq(passkeys.tenantId, tenantId), inArray(passkeys.userId, idOf)))
      .orderBy(passkeys.createdAt),
  };
}

function loadedUser([userRows, methods, rc, keys]: [
  UserRow[],
  MethodRow[],
  Array<{ n: number }>,
  PasskeyRow[],
]): LoadedUser | null {
  const user = userRows[0];
  if (!user) return null;
  return { user, methods, unusedRecoveryCodes: rc[0]?.n ?? 0, passkeys: keys };
}
