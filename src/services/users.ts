/**
 * Users: storage access and the FusionAuth user JSON. `toUserJson` is the only way a user leaves the
 * service, and it never includes a password hash, a TOTP secret or a recovery code.
 */
import { and, eq, getTableColumns, inArray, isNull, sql } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
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
 * `loadUser`, and with it the API key with digest `keyDigest` in this tenant and the tenant row:
 * `tenant` is the row when that key exists, else null (answer 401). One SQL statement (issue 15):
 * each part is a subquery whose rows come back as SQLite JSON (`json_object`, `json_group_array`)
 * and are decoded with drizzle's own column mappers, so the rows equal `loadUser`'s; the local D1
 * simulator's cost is per statement, and six statements cost about three times one.
 */
export async function loadUserCheckingKey(
  db: Db,
  tenantId: string,
  q: UserLookup,
  keyDigest: string,
): Promise<{ loaded: LoadedUser | null; tenant: TenantRow | null }> {
  const w = where(tenantId, q);
  const idOf = sql`(SELECT ${users.id} FROM ${users} WHERE ${w} LIMIT 1)`;
  const row = await db.get<Record<"u" | "m" | "rc" | "pk" | "k" | "t", string | number | null>>(sql`SELECT
    (SELECT ${USER.object} FROM ${users} WHERE ${w} LIMIT 1) AS u,
    (SELECT json_group_array(json(j)) FROM (SELECT ${METHOD.object} AS j FROM ${mfaMethods}
      WHERE ${mfaMethods.userId} IN ${idOf} ORDER BY ${mfaMethods.createdAt})) AS m,
    (SELECT count(*) FROM ${recoveryCodes} WHERE ${recoveryCodes.userId} IN ${idOf} AND ${recoveryCodes.usedAt} IS NULL) AS rc,
    (SELECT json_group_array(json(j)) FROM (SELECT ${PASSKEY.object} AS j FROM ${passkeys}
      WHERE ${passkeys.tenantId} = ${tenantId} AND ${passkeys.userId} IN ${idOf} ORDER BY ${passkeys.createdAt})) AS pk,
    (SELECT ${apiKeys.id} FROM ${apiKeys} WHERE ${apiKeys.keyHash} = ${keyDigest} AND ${apiKeys.tenantId} = ${tenantId} LIMIT 1) AS k,
    (SELECT ${TENANT.object} FROM ${tenants} WHERE ${tenants.id} = ${tenantId} LIMIT 1) AS t`);
  const tenant = row?.k != null && typeof row.t === "string" ? TENANT.decode(JSON.parse(row.t)) : null;
  if (!row || typeof row.u !== "string") return { loaded: null, tenant };
  return {
    loaded: {
      user: USER.decode(JSON.parse(row.u)),
      methods: (JSON.parse(String(row.m)) as JsonRow[]).map(METHOD.decode),
      unusedRecoveryCodes: Number(row.rc ?? 0),
      passkeys: (JSON.parse(String(row.pk)) as JsonRow[]).map(PASSKEY.decode),
    },
    tenant,
  };
}

type JsonRow = Record<string, unknown>;

/**
 * A table's row as one SQLite JSON object (`json_object` over every column, keyed by drizzle's
 * field names) and its decoder: each value through the column's own `mapFromDriverValue`, as drizzle
 * maps a selected row (JSON text columns parsed, booleans from 0/1, null kept).
 */
function rowAsJson<T extends SQLiteTable>(table: T) {
  const columns = Object.entries(getTableColumns(table)) as Array<[string, SQLiteColumn]>;
  const pairs = columns.map(([field, column]) => {
    if (!/^\w+$/.test(field)) throw new Error(`unexpected field name ${field}`);
    return sql`${sql.raw(`'${field}'`)}, ${column}`;
  });
  return {
    object: sql`json_object(${sql.join(pairs, sql`, `)})`,
    decode: (o: JsonRow): T["$inferSelect"] =>
      Object.fromEntries(
        columns.map(([field, column]) => {
          const v = o[field];
          return [field, v === null || v === undefined ? null : column.mapFromDriverValue(v)];
        }),
      ) as T["$inferSelect"],
  };
}

const USER = rowAsJson(users);
const METHOD = rowAsJson(mfaMethods);
const PASSKEY = rowAsJson(passkeys);
const TENANT = rowAsJson(tenants);

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
