/**
 * The admin console's user actions: search, remove a method (no code from the user: an admin
 * action), regenerate recovery codes, unlock, revoke trusted devices, delete a passkey. Each is
 * audited (source "console"); the D1 changes carry their audit row in the same batch, and the
 * Durable Object changes (unlock, trust) are recorded right after the object answers.
 */
import { and, eq, or, sql } from "drizzle-orm";
import { ApiError } from "../../errors.ts";
import { methodFactor } from "../../factors/registry.ts";
import { users, type TenantRow } from "../../storage/d1/schema.ts";
import { auditInsert, recordAudit } from "../audit.ts";
import type { Services } from "../container.ts";
import { deleteCredentials } from "../passkeys.ts";
import { tenantContext } from "../tenant-context.ts";
import { regenerateRecoveryCodes, removeMethods } from "../two-factor.ts";
import { loadUser, toPublicMethods, type LoadedUser, type UserRow } from "../users.ts";
import type { ChangeContext } from "./context.ts";

const MAX_RESULTS = 50;

/** Users of the tenant whose email or username contains `q` (case-insensitive), at most 50. */
export function searchUsers(s: Services, tenantId: string, q: string): Promise<UserRow[]> {
  const needle = q.trim().toLowerCase();
  const match = needle
    ? or(sql`instr(${users.emailLower}, ${needle}) > 0`, sql`instr(${users.usernameLower}, ${needle}) > 0`)
    : undefined;
  return s.db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, tenantId), match))
    .orderBy(users.emailLower)
    .limit(MAX_RESULTS);
}

export async function requireTenantUser(s: Services, tenantId: string, userId: string): Promise<LoadedUser> {
  const loaded = await loadUser(s.db, tenantId, { by: "id", id: userId });
  if (!loaded) throw ApiError.notFound();
  return loaded;
}

const who = (u: UserRow) => u.email ?? u.username ?? u.id;

export async function adminRemoveMethod(
  s: Services,
  ctx: ChangeContext,
  tenant: TenantRow,
  userId: string,
  methodId: string,
): Promise<void> {
  const loaded = await requireTenantUser(s, tenant.id, userId);
  const target = loaded.methods.find((m) => m.id === methodId);
  if (!target) throw ApiError.notFound();
  const audit = auditInsert(s, {
    ...ctx,
    tenantId: tenant.id,
    action: "user.two-factor.remove",
    targetId: userId,
    message: `Removed two-factor method [${methodFactor(target).label}] of user [${who(loaded.user)}]`,
    oldValue: { methods: toPublicMethods(loaded.methods) },
    newValue: { methods: toPublicMethods(loaded.methods.filter((m) => m.id !== methodId)) },
  });
  await removeMethods(s, tenantContext(tenant), loaded, [methodId], {}, audit);
}

export async function adminRegenerateRecoveryCodes(
  s: Services,
  ctx: ChangeContext,
  tenant: TenantRow,
  userId: string,
): Promise<string[]> {
  const loaded = await requireTenantUser(s, tenant.id, userId);
  const codes = await regenerateRecoveryCodes(s, tenantContext(tenant), userId);
  await recordAudit(s, {
    ...ctx,
    tenantId: tenant.id,
    action: "user.recovery-codes.regenerate",
    targetId: userId,
    message: `Regenerated the recovery codes of user [${who(loaded.user)}]`,
    oldValue: { remainingRecoveryCodes: loaded.unusedRecoveryCodes },
    newValue: { remainingRecoveryCodes: codes.length },
  });
  return codes;
}

export async function adminUnlock(s: Services, ctx: ChangeContext, tenantId: string, userId: string): Promise<boolean> {
  const loaded = await requireTenantUser(s, tenantId, userId);
  const unlocked = await s.guard(tenantId, userId).unlock(s.now(), { tenantId, userId, info: {} });
  await recordAudit(s, {
    ...ctx,
    tenantId,
    action: "user.unlock",
    targetId: userId,
    message: `Unlocked user [${who(loaded.user)}]`,
    oldValue: { locked: unlocked },
    newValue: { locked: false },
  });
  return unlocked;
}

export async function adminRevokeTrusts(s: Services, ctx: ChangeContext, tenantId: string, userId: string) {
  const loaded = await requireTenantUser(s, tenantId, userId);
  const revoked = await s.guard(tenantId, userId).revokeTrusts(null);
  await recordAudit(s, {
    ...ctx,
    tenantId,
    action: "user.trust.revoke",
    targetId: userId,
    message: `Revoked the trusted devices of user [${who(loaded.user)}]`,
    oldValue: { trustedDevices: revoked },
    newValue: { trustedDevices: 0 },
  });
}

export async function adminDeletePasskey(
  s: Services,
  ctx: ChangeContext,
  tenantId: string,
  userId: string,
  passkeyId: string,
): Promise<void> {
  const loaded = await requireTenantUser(s, tenantId, userId);
  const pk = loaded.passkeys.find((p) => p.id === passkeyId);
  if (!pk) throw ApiError.notFound();
  await deleteCredentials(s, tenantId, { id: pk.id });
  await recordAudit(s, {
    ...ctx,
    tenantId,
    action: "user.passkey.delete",
    targetId: userId,
    message: `Deleted passkey [${pk.displayName ?? pk.id}] of user [${who(loaded.user)}]`,
    oldValue: { passkey: { id: pk.id, name: pk.displayName } },
  });
}
