/**
 * User administration: create, update (PUT replaces, PATCH merges), delete. Uniqueness of email and
 * username per tenant is enforced by D1 unique indexes; a violation becomes FusionAuth's
 * `[duplicate]user.email` / `[duplicate]user.username`.
 */
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { hashPassword } from "../domain/password.ts";
import { ApiError } from "../errors.ts";
import type { UserFields } from "../routes/schemas.ts";
import { users } from "../storage/d1/schema.ts";
import type { Services } from "./container.ts";
import { loadUser, toUserJson, type UserRow } from "./users.ts";
import { userChangeActions } from "../domain/step-up.ts";
import type { EventInfo } from "../domain/events.ts";
import { requireStepUp, type StepUpScope } from "./step-up.ts";
import { userUpdated } from "./security-events.ts";
import { constraintViolation, rowsChanged } from "../storage/d1/results.ts";

/** The tenant's step-up rule, the request's proof (src/services/step-up.ts) and where the request came from (events). */
export type UpdateContext = { scope: StepUpScope; trustToken?: string | null; info?: EventInfo };

function columns(f: UserFields) {
  return {
    email: f.email ?? null,
    emailLower: f.email?.toLowerCase() ?? null,
    username: f.username ?? null,
    usernameLower: f.username?.toLowerCase() ?? null,
    mobilePhone: f.mobilePhone ?? null,
    firstName: f.firstName ?? null,
    lastName: f.lastName ?? null,
    data: f.data ?? null,
  };
}

function duplicateError(err: unknown): ApiError | null {
  const v = constraintViolation(err);
  if (v?.kind !== "unique") return null;
  const msg = v.message;
  if (/username/i.test(msg))
    return ApiError.field("user.username", "duplicate", "A user with this username already exists.");
  if (/email/i.test(msg)) return ApiError.field("user.email", "duplicate", "A user with this email already exists.");
  return ApiError.field("user.id", "duplicate", "A user with this id already exists.");
}

/** `alongside`: a write that must happen with the user's insert or not at all (one D1 batch), e.g. a registration. */
export async function createUser(
  s: Services,
  tenantId: string,
  id: string | undefined,
  f: UserFields,
  alongside?: (user: UserRow) => BatchItem<"sqlite">,
): Promise<Record<string, unknown>> {
  if (!f.email && !f.username) {
    throw ApiError.validation({
      "user.email": [
        { code: "[blank]user.email", message: "You must specify either [user.email] or [user.username]." },
      ],
      "user.username": [
        { code: "[blank]user.username", message: "You must specify either [user.email] or [user.username]." },
      ],
    });
  }
  const now = s.now();
  const row: UserRow = {
    id: id ?? crypto.randomUUID(),
    tenantId,
    ...columns(f),
    passwordHash: f.password ? await hashPassword(f.password, s.random) : null,
    active: f.active ?? true,
    createdAt: now,
    updatedAt: now,
  };
  try {
    if (alongside) await s.db.batch([s.db.insert(users).values(row), alongside(row)]);
    else await s.db.insert(users).values(row);
  } catch (err) {
    throw duplicateError(err) ?? err;
  }
  return toUserJson(row, []);
}

export async function updateUser(
  s: Services,
  tenantId: string,
  id: string,
  f: UserFields,
  merge: boolean,
  uc: UpdateContext,
): Promise<Record<string, unknown>> {
  const loaded = await loadUser(s.db, tenantId, { by: "id", id });
  if (!loaded) throw ApiError.notFound();
  const cur = loaded.user;
  const next = merge
    ? {
        ...columns({
          email: f.email ?? cur.email ?? undefined,
          username: f.username ?? cur.username ?? undefined,
          mobilePhone: f.mobilePhone ?? cur.mobilePhone ?? undefined,
          firstName: f.firstName ?? cur.firstName ?? undefined,
          lastName: f.lastName ?? cur.lastName ?? undefined,
          data: f.data ? { ...(cur.data ?? {}), ...f.data } : (cur.data ?? undefined),
        }),
      }
    : columns(f);
  if (!next.email && !next.username)
    throw ApiError.field("user.email", "blank", "You must specify either [user.email] or [user.username].");
  const changes = userChangeActions(cur, next, Boolean(f.password));
  await requireStepUp(s, uc.scope, loaded, changes, uc.trustToken);
  const passwordHash = f.password ? await hashPassword(f.password, s.random) : cur.passwordHash;
  const updated: UserRow = { ...cur, ...next, passwordHash, active: f.active ?? cur.active, updatedAt: s.now() };
  try {
    await s.db
      .update(users)
      .set(updated)
      .where(and(eq(users.tenantId, tenantId), eq(users.id, id)));
  } catch (err) {
    throw duplicateError(err) ?? err;
  }
  // A new password or email, or deactivation, ends the trusts and open challenges of the old state (OWASP ASVS 4.0.3 §3.3.3).
  // … and the OAuth refresh tokens, codes and SSO sessions issued to it (RFC 9700 §4.14.2).
  if (f.password || updated.emailLower !== cur.emailLower || (cur.active && !updated.active)) {
    await s.guard(tenantId, id).endSessions();
    await s.sessions(tenantId, id).revokeAll();
  }
  const user = toUserJson(updated, loaded.methods);
  await userUpdated(s, { tenantId, userId: id, info: uc.info, user }, toUserJson(cur, loaded.methods), changes);
  return user;
}

export async function deleteUser(s: Services, tenantId: string, id: string): Promise<void> {
  const res = await s.db.delete(users).where(and(eq(users.tenantId, tenantId), eq(users.id, id)));
  // D1's `changes` counts the rows the foreign-key cascade removed too (methods, codes, passkeys): 0 = no such user.
  if (rowsChanged(res) === 0) throw ApiError.notFound();
  // Challenges, trusts, counters and replay state die with the user.
  await s.guard(tenantId, id).erase();
  await s.sessions(tenantId, id).revokeAll();
}
