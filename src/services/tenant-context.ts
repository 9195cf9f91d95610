/**
 * What every login and challenge path shares: the tenant's completed settings, its lockout policy,
 * the methods it enables, the application, the one-time-code hash, the event context of a request,
 * and the 409 answer for a locked account.
 */
import { and, eq, sql } from "drizzle-orm";
import type { LockoutPolicy } from "../domain/lockout.ts";
import { ApiError } from "../errors.ts";
import { completeTenantSettings, lockDurationSeconds, type TenantSettings } from "../settings.ts";
import { apiKeys, applications, tenants, type ApplicationRow, type TenantRow } from "../storage/d1/schema.ts";
import { combine, firstRow, scalar, type Read } from "../storage/d1/one-statement.ts";
import type { GuardVerdict } from "../storage/durable-objects/user-guard-types.ts";
import type { EventContext } from "../storage/durable-objects/guard-events.ts";
import type { EventInfo } from "../domain/events.ts";
import type { Services } from "./container.ts";
import { keyedHash } from "./hashing.ts";
import { toUserJson, type LoadedUser } from "./users.ts";
import { configurableFactors } from "../factors/registry.ts";

export type TenantContext = { tenant: TenantRow; settings: TenantSettings };
/** A tenant-scoped API key not yet confirmed (src/middleware/auth.ts KEY_CHECK_IN_ROUTE): checked in the first D1 batch. */
export type UnconfirmedKey = { tenantId: string; keyDigest: string };

export function tenantContext(tenant: TenantRow): TenantContext {
  return { tenant, settings: completeTenantSettings(tenant.settings) };
}

/**
 * The tenant row when the API key with digest `keyDigest` is one of the tenant's, else null (answer
 * 401): the key check of src/middleware/auth.ts KEY_CHECK_IN_ROUTE as part of a route's statement.
 */
export function keyedTenantRead(tenantId: string, keyDigest: string): Read<TenantRow | null> {
  return combine(
    {
      key: scalar(
        sql`SELECT ${apiKeys.id} FROM ${apiKeys} WHERE ${apiKeys.keyHash} = ${keyDigest} AND ${apiKeys.tenantId} = ${tenantId} LIMIT 1`,
        (v) => v,
      ),
      tenant: firstRow(tenants, eq(tenants.id, tenantId)),
    },
    ({ key, tenant }) => (key === null ? null : tenant),
  );
}

export function lockoutPolicy(settings: TenantSettings): LockoutPolicy {
  const f = settings.failedAuthenticationConfiguration;
  const a = settings.alertConfiguration;
  return {
    tooManyAttempts: f.tooManyAttempts,
    resetCountInSeconds: f.resetCountInSeconds,
    lockSeconds: lockDurationSeconds(settings),
    alert: { enabled: a.enabled, failedAttempts: a.failedAttempts, windowSeconds: a.windowInSeconds },
  };
}

/** Methods whose factor is enabled on the tenant (FusionAuth ignores the others); the rule is each factor's `enabled`. */
export { activeMethods } from "../factors/registry.ts";

/** The method kinds a user may enrol (the 242's `configurableMethods`), in registry order. */
export function configurableMethods(settings: TenantSettings): string[] {
  return configurableFactors(settings).map((f) => f.wire);
}

export async function loadApplication(
  s: Services,
  tenantId: string,
  applicationId: string | undefined,
): Promise<ApplicationRow | null> {
  if (!applicationId) return null;
  const rows = await s.db.select().from(applications).where(ofTenant(tenantId, applicationId)).limit(1);
  return requireApplication(rows[0]);
}

function ofTenant(tenantId: string, applicationId: string) {
  return and(eq(applications.tenantId, tenantId), eq(applications.id, applicationId));
}

/** `loadApplication` as part of a larger statement (`readTogether`); pass its row to `requireApplication`. */
export function applicationRead(tenantId: string, applicationId: string): Read<ApplicationRow | null> {
  return firstRow(applications, ofTenant(tenantId, applicationId));
}

/** The application row, or the 400 for an application that is not the tenant's. */
export function requireApplication(row: ApplicationRow | null | undefined): ApplicationRow {
  if (!row) throw ApiError.field("applicationId", "invalid", "The application does not exist.");
  return row;
}

export function otpHash(s: Services, code: string): Promise<string> {
  return keyedHash(s.pepper, "otp", code.trim());
}

/** The event context of a request acting on a loaded user. */
export function eventContext(
  ctx: TenantContext,
  loaded: LoadedUser,
  applicationId: string | null,
  info: EventInfo = {},
): EventContext {
  return {
    tenantId: ctx.tenant.id,
    userId: loaded.user.id,
    info,
    user: toUserJson(loaded.user, loaded.methods),
    ...(applicationId ? { applicationId } : {}),
  };
}

/** 409 with the lock's `actions` (FusionAuth's answer for a locked account). */
export function lockedError(v: GuardVerdict): ApiError {
  return ApiError.locked(v.status === "locked" ? v.actions : []);
}
