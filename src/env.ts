/**
 * The Hono app's environment: bindings and the per-request variables. Configuration parsing lives in
 * ./config.ts (re-exported here), which imports nothing from the services, so the services can use it
 * without an import cycle.
 */
import type { Config } from "./config.ts";
import type { Services } from "./services/container.ts";
import type { TenantRow } from "./storage/d1/schema.ts";

export * from "./config.ts";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    services: Services;
    /** Set by the API-key middleware. */
    auth: AuthContext;
  };
};

export type AuthContext = {
  /** The tenant this request acts in; null only for superuser keys on tenant-agnostic routes. */
  tenantId: string | null;
  /** The API key's own tenant restriction (null = all tenants). */
  keyTenantId: string | null;
  keyId: string;
  /** The tenant row, loaded in the same D1 round trip as the key. */
  tenant: TenantRow | null;
  /**
   * Set instead of `tenant` on routes that check the key inside their own first D1 batch
   * (KEY_CHECK_IN_ROUTE in src/middleware/auth.ts): the key's digest, still to be confirmed.
   */
  unconfirmedKey?: string;
};
