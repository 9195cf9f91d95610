/**
 * Tenant and application changes (create, update, delete, client-secret rotation), shared by the
 * API (src/routes/tenants.ts, oauth-client.ts) and the admin console. Each change and its audit row
 * go to D1 in one batch (atomic), with the object before and after as GET shows it (settings completed,
 * secrets redacted by audit.ts).
 * Callers have already checked that the actor may see the tenant; these functions do not re-check.
 */
import { and, eq } from "drizzle-orm";
import * as z from "zod";
import { ApiError } from "../../errors.ts";
import { completeApplicationSettings, completeTenantSettings } from "../../settings.ts";
import { constraintViolation } from "../../storage/d1/results.ts";
import { applications, signingKeys, tenants, type ApplicationRow, type TenantRow } from "../../storage/d1/schema.ts";
import type { Services } from "../container.ts";
import { newClientSecret } from "../oauth/client.ts";
import { DEFAULT_KEY_NAME, isTenantKey, newSigningKey } from "../signing-keys.ts";
import { auditedChange, auditSubject, type ChangeContext } from "./context.ts";

function duplicateId(err: unknown, field: string): ApiError | null {
  return constraintViolation(err)?.kind === "unique"
    ? ApiError.field(field, "duplicate", `An object with this [${field}] already exists.`)
    : null;
}

/** Validated application settings (`applicationSettingsSchema`), as far as this module reads them. */
export type ApplicationSettingsValue = Record<string, unknown> & {
  jwtConfiguration?:
    | { accessTokenKeyId?: string | null | undefined; idTokenKeyId?: string | null | undefined }
    | undefined;
  roles?: Array<{ id?: string | undefined; name: string }> | undefined;
};

const applicationIs = (tenantId: string, id: string) =>
  and(eq(applications.tenantId, tenantId), eq(applications.id, id));

/**
 * The settings an audit row records: completed (every default applied), as GET returns them, not
 * the stored form. The stored form is what the request sent (src/settings/stored-form.ts), so a
 * console form that posts every field it shows would otherwise read as a change of each field that
 * was stored absent and is now stored as its default; by meaning, only the edited one changed.
 * Stored JSON that no longer validates is recorded as stored, so that row can still be fixed or deleted.
 */
function effective<T extends object>(complete: (raw: unknown) => T, stored: Record<string, unknown>): object {
  try {
    return complete(stored);
  } catch (err) {
    if (err instanceof z.ZodError) return stored;
    throw err;
  }
}

const tenantValue = (t: TenantRow) => ({
  id: t.id,
  name: t.name,
  ...effective(completeTenantSettings, t.settings),
});
const applicationValue = (a: ApplicationRow) => ({
  id: a.id,
  tenantId: a.tenantId,
  name: a.name,
  ...effective(completeApplicationSettings, a.settings),
});
const tenantAudit = auditSubject("tenant", "tenant", (t: TenantRow) => ({
  tenantId: t.id,
  id: t.id,
  label: t.name,
  value: tenantValue(t),
}));
const applicationAudit = auditSubject("application", "application", (a: ApplicationRow) => ({
  tenantId: a.tenantId,
  id: a.id,
  label: a.name,
  value: applicationValue(a),
}));

export async function loadTenant(s: Services, id: string): Promise<TenantRow | null> {
  const [row] = await s.db.select().from(tenants).where(eq(tenants.id, id));
  return row ?? null;
}

export function listTenants(s: Services): Promise<TenantRow[]> {
  return s.db.select().from(tenants).orderBy(tenants.createdAt, tenants.id);
}

export function listApplications(s: Services, tenantId: string): Promise<ApplicationRow[]> {
  return s.db
    .select()
    .from(applications)
    .where(eq(applications.tenantId, tenantId))
    .orderBy(applications.createdAt, applications.id);
}

export async function createTenant(
  s: Services,
  ctx: ChangeContext,
  input: { id: string; name: string; settings: TenantRow["settings"] },
): Promise<TenantRow> {
  const t = s.now();
  const row: TenantRow = { id: input.id, name: input.name, settings: input.settings, createdAt: t, updatedAt: t };
  // Every tenant signs its tokens with its own key from the start (RS256 2048, what FusionAuth's example apps verify by kid).
  const key = await newSigningKey(s, {
    id: crypto.randomUUID(),
    tenantId: row.id,
    name: DEFAULT_KEY_NAME,
    algorithm: "RS256",
    length: 2048,
  });
  try {
    await auditedChange(
      s,
      ctx,
      [s.db.insert(tenants).values(row), s.db.insert(signingKeys).values(key)],
      tenantAudit.created(row),
    );
  } catch (err) {
    throw duplicateId(err, "tenantId") ?? err;
  }
  return row;
}

export async function updateTenant(
  s: Services,
  ctx: ChangeContext,
  cur: TenantRow,
  next: { name: string; settings: TenantRow["settings"] },
): Promise<TenantRow> {
  const row: TenantRow = { ...cur, name: next.name, settings: next.settings, updatedAt: s.now() };
  await auditedChange(
    s,
    ctx,
    [s.db.update(tenants).set(row).where(eq(tenants.id, cur.id))],
    tenantAudit.updated(cur, row),
  );
  return row;
}

/** Deletes the tenant (applications, keys, users cascade in D1); false when it does not exist. */
export async function deleteTenant(s: Services, ctx: ChangeContext, id: string): Promise<boolean> {
  return tenantAudit.remove(s, ctx, await loadTenant(s, id), s.db.delete(tenants).where(eq(tenants.id, id)));
}

export async function loadApplication(s: Services, tenantId: string, id: string): Promise<ApplicationRow | null> {
  const [row] = await s.db.select().from(applications).where(applicationIs(tenantId, id));
  return row ?? null;
}

/** `jwtConfiguration.accessTokenKeyId` and `idTokenKeyId` must name keys of the application's tenant. */
async function checkKeyReference(s: Services, tenantId: string, settings: ApplicationSettingsValue): Promise<void> {
  for (const field of ["accessTokenKeyId", "idTokenKeyId"] as const) {
    const keyId = settings.jwtConfiguration?.[field];
    if (keyId && !(await isTenantKey(s, tenantId, keyId))) {
      throw ApiError.field(
        `application.jwtConfiguration.${field}`,
        "invalid",
        `The [application.jwtConfiguration.${field}] must name one of the tenant's keys.`,
      );
    }
  }
}

/**
 * Role names are unique within the application (registrations refer to roles by name); a role
 * stored without an id gets one here, so the id a client reads back stays the role's.
 */
function withRoleIds<T extends ApplicationSettingsValue>(settings: T): T {
  if (!settings.roles) return settings;
  const seen = new Set<string>();
  for (const role of settings.roles) {
    if (seen.has(role.name))
      throw ApiError.field(
        "application.roles",
        "duplicate",
        `The role name [${role.name}] is given twice; role names are unique within an application.`,
      );
    seen.add(role.name);
  }
  return { ...settings, roles: settings.roles.map((r) => ({ ...r, id: r.id?.toLowerCase() ?? crypto.randomUUID() })) };
}

/** Creates an application; returns it with its client secret (to be shown once). */
export async function createApplication(
  s: Services,
  ctx: ChangeContext,
  tenantId: string,
  input: { id: string; name: string; settings: ApplicationSettingsValue },
): Promise<{ row: ApplicationRow; clientSecret: string }> {
  const settings = withRoleIds(input.settings);
  await checkKeyReference(s, tenantId, settings);
  const t = s.now();
  const secret = await newClientSecret(s, input.id);
  const row: ApplicationRow = {
    id: input.id,
    tenantId,
    name: input.name,
    settings,
    clientSecretHash: secret.hash,
    createdAt: t,
    updatedAt: t,
  };
  try {
    await auditedChange(s, ctx, [s.db.insert(applications).values(row)], applicationAudit.created(row));
  } catch (err) {
    throw duplicateId(err, "applicationId") ?? err;
  }
  return { row, clientSecret: secret.secret };
}

export async function updateApplication(
  s: Services,
  ctx: ChangeContext,
  cur: ApplicationRow,
  next: { name: string; settings: ApplicationSettingsValue },
): Promise<ApplicationRow> {
  const settings = withRoleIds(next.settings);
  await checkKeyReference(s, cur.tenantId, settings);
  const row: ApplicationRow = { ...cur, name: next.name, settings, updatedAt: s.now() };
  await auditedChange(
    s,
    ctx,
    [s.db.update(applications).set(row).where(applicationIs(cur.tenantId, cur.id))],
    applicationAudit.updated(cur, row),
  );
  return row;
}

export async function deleteApplication(
  s: Services,
  ctx: ChangeContext,
  tenantId: string,
  id: string,
): Promise<boolean> {
  const cur = await loadApplication(s, tenantId, id);
  return applicationAudit.remove(s, ctx, cur, s.db.delete(applications).where(applicationIs(tenantId, id)));
}

/** Replaces the application's client secret; returns the new one (shown once), or null when not in the tenant. */
export async function rotateApplicationSecret(
  s: Services,
  ctx: ChangeContext,
  tenantId: string,
  id: string,
): Promise<string | null> {
  const cur = await loadApplication(s, tenantId, id);
  if (!cur) return null;
  const { secret, hash } = await newClientSecret(s, id);
  const update = s.db
    .update(applications)
    .set({ clientSecretHash: hash, updatedAt: s.now() })
    .where(applicationIs(tenantId, id));
  const changed = await auditedChange(
    s,
    ctx,
    [update],
    applicationAudit.rotated(cur, { field: "clientSecret", action: "client-secret", name: "client secret" }),
  );
  return changed === 0 ? null : secret;
}
