/**
 * Users: storage access and the FusionAuth user JSON. `toUserJson` is the only way a user leaves the
 * service, and it never includes a password hash, a TOTP secret or a recovery code.
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "./container.ts";
import { methodFactor } from "../factors/registry.ts";
import type { PublicFields } from "../factors/types.ts";
import { mfaMethods, passkeys, recoveryCodes, users } from "../storage/d1/schema.ts";
import { allRows, combine, firstRow, readTogether, scalar, type Read } from "../storage/d1/one-statement.ts";

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

/**
 * The user scoped to the tenant, their methods and passkeys (oldest first) and the count of unused
 * recovery codes in one SQL statement (src/storage/d1/one-statement.ts; issue 15).
 */
export async function loadUser(db: Db, tenantId: string, q: UserLookup): Promise<LoadedUser | null> {
  return (await readTogether(db, { loaded: userRead(tenantId, q) })).loaded;
}

/** The id of the user `q` finds in the tenant, as a subquery (no row: NULL). */
export function userIdOf(tenantId: string, q: UserLookup): SQL {
  return sql`(SELECT ${users.id} FROM ${users} WHERE ${where(tenantId, q)} LIMIT 1)`;
}

/** `loadUser` as a part of a larger statement (`readTogether`). */
export function userRead(tenantId: string, q: UserLookup): Read<LoadedUser | null> {
  const idOf = userIdOf(tenantId, q);
  return combine(
    {
      user: firstRow(users, where(tenantId, q)),
      methods: allRows(mfaMethods, sql`${mfaMethods.userId} IN ${idOf}`, [sql`${mfaMethods.createdAt}`]),
      recovery: scalar(
        sql`SELECT count(*) FROM ${recoveryCodes} WHERE ${recoveryCodes.userId} IN ${idOf} AND ${recoveryCodes.usedAt} IS NULL`,
        (v) => Number(v ?? 0),
      ),
      passkeys: allRows(passkeys, sql`${passkeys.tenantId} = ${tenantId} AND ${passkeys.userId} IN ${idOf}`, [
        sql`${passkeys.createdAt}`,
      ]),
    },
    ({ user, methods, recovery, passkeys }) =>
      user ? { user, methods, unusedRecoveryCodes: recovery, passkeys } : null,
  );
}
