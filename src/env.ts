/**
 * Configuration: the one place that reads vars and secrets. `parseConfig` validates them once per
 * isolate with zod; a worker missing a required secret refuses to serve (500 with a fixed body)
 * rather than run half-configured. Never log the parsed values.
 */
import { z } from "zod";
import type { Services } from "./services/container.ts";
import type { TenantRow } from "./storage/d1/schema.ts";

const base64Key32 = /^[A-Za-z0-9+/]{43}=?$/;

export const configSchema = z.object({
  ENVIRONMENT: z.enum(["development", "test", "production"]).default("production"),
  /** Superuser key for bootstrapping tenants and keys. High entropy, compared by SHA-256 digest. */
  BOOTSTRAP_API_KEY: z.string().min(32, "BOOTSTRAP_API_KEY must be at least 32 characters"),
  /** HS256 key for the JWTs minted after login; ≥ 256 bits. */
  JWT_SIGNING_KEY: z.string().min(32, "JWT_SIGNING_KEY must be at least 32 characters"),
  /** AES-256-GCM keyring for TOTP secrets at rest: `kid:base64key[,kid:base64key…]`, first = current. */
  ENCRYPTION_KEYS: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/]{43}=?(,[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/]{43}=?)*$/, "ENCRYPTION_KEYS must be kid:base64(32 bytes)[,…]"),
  /** Pepper for keyed hashes of recovery codes and one-time codes; ≥ 256 bits. */
  HASH_PEPPER: z.string().min(32, "HASH_PEPPER must be at least 32 characters"),
  /** Turns on request counters for benchmarks (D1 queries, DO calls). Off unless "1". */
  BENCH_INSTRUMENTATION: z.enum(["0", "1"]).default("0"),
});

export type Config = z.infer<typeof configSchema>;

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

let cached: { env: unknown; result: ConfigResult } | undefined;

/** Validates the worker's env once per isolate (per env object). Returns the names of the problems only. */
export function parseConfig(env: Record<string, unknown>): ConfigResult {
  if (cached && cached.env === env) return cached.result;
  const parsed = configSchema.safeParse(env);
  const result: ConfigResult = parsed.success
    ? { ok: true, config: parsed.data }
    : { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
  cached = { env, result };
  return result;
}

export { base64Key32 };

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
};
