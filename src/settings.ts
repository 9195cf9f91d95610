/**
 * Tenant and application settings in FusionAuth's shape, with FusionAuth's defaults. Requests are
 * validated with the schemas here and stored as given (no default applied, src/settings/stored-form.ts);
 * every reader completes the stored JSON with the same schemas, so it sees complete, typed settings.
 * The schemas and their defaults: src/settings/tenant.ts, application.ts, delivery.ts.
 */
import type * as z from "zod";
import { applicationSettings, type ApplicationSettings } from "./settings/application.ts";
import { storedForm } from "./settings/stored-form.ts";
import { tenantSettings, type TenantSettings } from "./settings/tenant.ts";

export {
  applicationRoleSchema,
  applicationSettings,
  OAUTH_GRANTS,
  type ApplicationRole,
  type ApplicationSettings,
  type OAuthConfiguration,
  type OAuthGrant,
} from "./settings/application.ts";
export { SEND_WINDOW_SECONDS, type SendLimits } from "./settings/delivery.ts";
export {
  lockDurationSeconds,
  loginPolicySchema,
  MAX_TWO_FACTOR_ID_TTL_SECONDS,
  MAX_WEBAUTHN_CHALLENGE_TTL_SECONDS,
  tenantSettings,
  trustPolicySchema,
  type AlertSettings,
  type LoginPolicy,
  type LoginTheme,
  type TenantSettings,
  type TrustPolicy,
  type WebAuthnSettings,
  type WebAuthnWorkflow,
  type WebAuthnWorkflowName,
} from "./settings/tenant.ts";

/** What /api/tenant and the console validate a tenant's settings with, and what is stored. */
export const tenantSettingsSchema = storedForm(tenantSettings);
export type TenantSettingsInput = z.input<typeof tenantSettingsSchema>;

/** What /api/application and the console validate an application's settings with, and what is stored. */
export const applicationSettingsSchema = storedForm(applicationSettings);

/**
 * Completion runs on every start and login, and a full parse costs several times the hand-written
 * completion it replaced (scripts/bench/settings-micro.ts), so each isolate keeps up to `size`
 * completed settings by their stored JSON text (oldest dropped first). A hit is returned as it was, deep-frozen: callers read settings
 * and never change them. Stored JSON that no longer validates throws, as it always has, and is not kept.
 *
 * The cache is shared by every tenant of the isolate and a tenant's API key decides what enters it
 * (each distinct settings it stores, up to the 64 KiB body limit), so it is bounded by the stored
 * text it holds as well (`chars`), not only by count: 768 entries of ~64 KiB text plus their completed
 * copies would not fit a 128 MB isolate. Settings larger than the whole budget are completed uncached.
 */
function completer<T>(schema: z.ZodType<T>, size: number, chars: number): (raw: unknown) => T {
  const cache = new Map<string, T>();
  let held = 0;
  return (raw) => {
    const key = JSON.stringify(raw ?? {});
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = deepFreeze(schema.parse(raw ?? {}));
    if (key.length > chars) return value;
    while (cache.size > 0 && (cache.size >= size || held + key.length > chars)) {
      const oldest = cache.keys().next().value as string;
      cache.delete(oldest);
      held -= oldest.length;
    }
    cache.set(key, value);
    held += key.length;
    return value;
  };
}

/** Stored JSON text each settings cache may hold (UTF-16 code units): ~1 MB, far above what 256 typical settings take. */
const CACHE_CHARS = 1_000_000;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Complete tenant settings from stored JSON (null or absent: every default). */
export const completeTenantSettings: (raw: unknown) => TenantSettings = completer(tenantSettings, 256, CACHE_CHARS);

/** Complete application settings from stored JSON, likewise. */
export const completeApplicationSettings: (raw: unknown) => ApplicationSettings = completer(
  applicationSettings,
  512,
  CACHE_CHARS,
);
