/**
 * User registrations (FusionAuth's "registrations": a user's membership of an application, with
 * roles): the lookup every login path shares, and the registration API (create, combined user +
 * registration create, retrieve, update, delete).
 *
 * Scoping (OWASP API Security Top 10 2023 API1): the user and the application are both looked up in
 * the request's tenant, so a registration always joins a user and an application of one tenant, and a
 * tenant-scoped key can neither see nor touch another tenant's users, applications or registrations
 * (a user of another tenant answers 404 like a missing one; an application of another tenant is
 * `[invalid]registration.applicationId` like a missing one).
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { ApiError } from "../errors.ts";
import type { UserFields } from "../routes/schemas.ts";
import { completeApplicationSettings, type ApplicationRole } from "../settings.ts";
import { applications, registrations, users, type RegistrationRow } from "../storage/d1/schema.ts";
import { constraintViolation, rowsChanged } from "../storage/d1/results.ts";
import { allRows, firstRow, readTogether, type Read } from "../storage/d1/one-statement.ts";
import type { Services } from "./container.ts";
import { createUser } from "./user-admin.ts";
import { toUserJson, userIdOf, userRead, type UserLookup, type UserRow } from "./users.ts";

/** The user's registration for the application (same tenant), or null. */
export async function findRegistration(
  s: Services,
  tenantId: string,
  userId: string,
  applicationId: string,
): Promise<RegistrationRow | null> {
  const [row] = await s.db
    .select()
    .from(registrations)
    .where(oneRegistration(tenantId, userId, applicationId))
    .limit(1);
  return row ?? null;
}

/** `findRegistration` as part of a larger statement (`readTogether`), the user given as an id subquery (`userIdOf`). */
export function registrationRead(tenantId: string, userIdOf: SQL, applicationId: string): Read<RegistrationRow | null> {
  return firstRow(
    registrations,
    and(
      sql`${registrations.userId} IN ${userIdOf}`,
      eq(registrations.applicationId, applicationId),
      eq(registrations.tenantId, tenantId),
    ),
  );
}

function oneRegistration(tenantId: string, userId: string, applicationId: string) {
  return and(
    eq(registrations.userId, userId),
    eq(registrations.applicationId, applicationId),
    eq(registrations.tenantId, tenantId),
  );
}

const registrationOrder = [sql`${registrations.createdAt}`, sql`${registrations.id}`];

/** Every registration of the user (same tenant), oldest first. */
export function registrationsOf(s: Services, tenantId: string, userId: string): Promise<RegistrationRow[]> {
  return s.db
    .select()
    .from(registrations)
    .where(and(eq(registrations.userId, userId), eq(registrations.tenantId, tenantId)))
    .orderBy(...registrationOrder);
}

/** FusionAuth's registration JSON. */
export function toRegistrationJson(r: RegistrationRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: r.id,
    applicationId: r.applicationId,
    roles: r.roles,
    verified: r.verified,
    insertInstant: r.createdAt * 1000,
    lastUpdateInstant: r.updatedAt * 1000,
  };
  if (r.data) out.data = r.data;
  if (r.username !== null) out.username = r.username;
  return out;
}

/** The fields of a registration request (the application id comes from the body on create, from the path on update). */
export type RegistrationFields = {
  roles?: string[];
  data?: Record<string, unknown>;
  username?: string;
};

/**
 * The registration's roles: the given names, each one of the application's roles (else 400
 * `[invalid]registration.roles`), sorted and without repeats; none given on create → the
 * application's default roles (`isDefault`).
 */
function resolveRoles(appRoles: ApplicationRole[], given: string[] | undefined, onCreate: boolean): string[] {
  const known = new Set(appRoles.map((r) => r.name));
  const names = given?.length ? given : onCreate ? appRoles.filter((r) => r.isDefault).map((r) => r.name) : [];
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length)
    throw ApiError.field(
      "registration.roles",
      "invalid",
      `The registration names roles the application does not have: [${unknown.join(", ")}].`,
    );
  return [...new Set(names)].sort();
}

function duplicateRegistration(): ApiError {
  return ApiError.field("registration", "duplicate", "The user is already registered for this application.");
}

/** The user (when `userId` is given) and the application, both of the tenant, in one D1 round trip. */
async function userAndApplication(s: Services, tenantId: string, userId: string | null, applicationId: string) {
  const appQuery = s.db
    .select()
    .from(applications)
    .where(and(eq(applications.tenantId, tenantId), eq(applications.id, applicationId.toLowerCase())))
    .limit(1);
  const userQuery = s.db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.id, userId ?? "")))
    .limit(1);
  const [appRows, userRows] = await s.db.batch([appQuery, userQuery]);
  return { app: appRows[0] ?? null, user: userRows[0] ?? null };
}

function invalidApplication(): ApiError {
  return ApiError.field(
    "registration.applicationId",
    "invalid",
    "The [registration.applicationId] does not name an application of this tenant.",
  );
}

export type CreateRegistrationInput = RegistrationFields & { applicationId: string };

/**
 * POST /api/user/registration[/{userId}]. Without `user`: registers the existing user `userId`
 * (404 when the tenant has no such user). With `user`: creates the user (the user API's rules,
 * `userId` as its id when given) and the registration in one D1 batch, so neither exists without
 * the other.
 */
export async function createRegistration(
  s: Services,
  tenantId: string,
  userId: string | null,
  input: CreateRegistrationInput,
  newUser?: UserFields,
): Promise<{ registration: Record<string, unknown>; user: Record<string, unknown> | null; row: RegistrationRow }> {
  const { app, user } = await userAndApplication(s, tenantId, newUser ? null : userId, input.applicationId);
  if (!newUser && !user) throw ApiError.notFound();
  if (!app) throw invalidApplication();
  const roles = resolveRoles(completeApplicationSettings(app.settings).roles, input.roles, true);
  const now = s.now();
  const rowFor = (u: { id: string }): RegistrationRow => ({
    id: crypto.randomUUID(),
    tenantId,
    userId: u.id,
    applicationId: app.id,
    roles,
    data: input.data ?? null,
    username: input.username ?? null,
    verified: true,
    createdAt: now,
    updatedAt: now,
  });
  if (newUser) {
    let row: RegistrationRow | undefined;
    const created = await createUser(s, tenantId, userId ?? undefined, newUser, (u: UserRow): BatchItem<"sqlite"> => {
      row = rowFor(u);
      return s.db.insert(registrations).values(row);
    });
    return { registration: toRegistrationJson(row!), user: created, row: row! };
  }
  const row = rowFor(user!);
  try {
    await s.db.insert(registrations).values(row);
  } catch (err) {
    const v = constraintViolation(err);
    if (v?.kind === "unique") throw duplicateRegistration();
    // The user or the application was deleted meanwhile.
    if (v?.kind === "foreign-key") throw ApiError.notFound();
    throw err;
  }
  return { registration: toRegistrationJson(row), user: null, row };
}

/** The registration in request form, for a PATCH merge. */
export function registrationFields(r: RegistrationRow): RegistrationFields {
  return {
    roles: r.roles,
    ...(r.data ? { data: r.data } : {}),
    ...(r.username !== null ? { username: r.username } : {}),
  };
}

/**
 * PUT / PATCH /api/user/registration/{userId}/{applicationId}: `next` replaces the registration's
 * roles, data and username (a PATCH merges into the current fields before calling). 404 when the
 * user is not registered for the application (in this tenant).
 */
export async function updateRegistration(
  s: Services,
  tenantId: string,
  current: RegistrationRow,
  next: RegistrationFields,
): Promise<Record<string, unknown>> {
  const [app] = await s.db
    .select()
    .from(applications)
    .where(and(eq(applications.tenantId, tenantId), eq(applications.id, current.applicationId)))
    .limit(1);
  if (!app) throw ApiError.notFound();
  const roles = resolveRoles(completeApplicationSettings(app.settings).roles, next.roles, false);
  const row: RegistrationRow = {
    ...current,
    roles,
    data: next.data ?? null,
    username: next.username ?? null,
    updatedAt: s.now(),
  };
  const res = await s.db
    .update(registrations)
    .set({ roles: row.roles, data: row.data, username: row.username, updatedAt: row.updatedAt })
    .where(and(eq(registrations.tenantId, tenantId), eq(registrations.id, current.id)));
  if (rowsChanged(res) === 0) throw ApiError.notFound();
  return toRegistrationJson(row);
}

/** DELETE /api/user/registration/{userId}/{applicationId}: 404 when there is none (in this tenant). */
export async function deleteRegistration(
  s: Services,
  tenantId: string,
  userId: string,
  applicationId: string,
): Promise<void> {
  const res = await s.db.delete(registrations).where(oneRegistration(tenantId, userId, applicationId));
  if (rowsChanged(res) === 0) throw ApiError.notFound();
}

/** The user JSON with `registrations[]` (omitted when there are none), or null when the tenant has no such user. */
export async function userWithRegistrations(
  s: Services,
  tenantId: string,
  lookup: UserLookup,
): Promise<Record<string, unknown> | null> {
  // One SQL statement: the user and their registrations (issue 15).
  const { loaded, regs } = await readTogether(s.db, {
    loaded: userRead(tenantId, lookup),
    regs: allRows(
      registrations,
      and(sql`${registrations.userId} IN ${userIdOf(tenantId, lookup)}`, eq(registrations.tenantId, tenantId)),
      registrationOrder,
    ),
  });
  if (!loaded) return null;
  const json = toUserJson(loaded.user, loaded.methods);
  if (regs.length) json.registrations = regs.map(toRegistrationJson);
  return json;
}
