/**
 * API-key authentication and tenant resolution, FusionAuth style: `Authorization: <raw key>` (no
 * Bearer), optional `X-FusionAuth-TenantId`. Keys are stored as keyed hashes and compared by lookup of
 * that digest; the bootstrap superuser key from the BOOTSTRAP_API_KEY secret is compared in constant
 * time. Keys are never accepted from a query string.
 *
 * Every route requires a key except PUBLIC_ROUTES (the ones FusionAuth leaves open); a test walks
 * the route table to prove it.
 */
import { eq, sql } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { constantTimeEqual } from "../domain/crypto.ts";
import { utf8 } from "../domain/encoding.ts";
import { isDevEnvironment, type AppEnv, type AuthContext } from "../env.ts";
import { ApiError } from "../errors.ts";
import { keyedHash } from "../services/hashing.ts";
import { apiKeys, tenants, type TenantRow } from "../storage/d1/schema.ts";
import { tenantHeader } from "../http/request-info.ts";

/** Method + path patterns reachable without an API key (FusionAuth leaves these open). */
export const PUBLIC_ROUTES: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: "POST", path: /^\/api\/two-factor\/login$/ },
  { method: "POST", path: /^\/api\/two-factor\/send\/[^/]+$/ },
  { method: "POST", path: /^\/api\/webauthn\/login$/ },
  { method: "POST", path: /^\/api\/webauthn\/assert$/ },
  { method: "GET", path: /^\/webauthn\.js$/ },
  { method: "GET", path: /^\/api\/openapi\.json$/ },
  { method: "GET", path: /^\/docs$/ },
  // The default tenant's JWKS and the tenant-scoped form `/{tenantId}/.well-known/jwks.json`.
  {
    method: "GET",
    path: /^\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/)?\.well-known\/jwks\.json$/i,
  },
  { method: "GET", path: /^\/$/ },
  // OAuth 2.0 / OIDC (src/routes/oauth-token.ts, oauth-discovery.ts): clients authenticate themselves.
  { method: "POST", path: /^\/oauth2\/(token|userinfo|introspect)$/ },
  { method: "GET", path: /^\/oauth2\/userinfo$/ },
  {
    method: "GET",
    path: /^\/(([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/)?\.well-known\/openid-configuration|\.well-known\/openid-configuration\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
  },
  // The hosted login pages (FusionAuth serves /oauth2/* to browsers without a key) and the admin
  // console /admin/* (its own session: src/routes/admin.tsx).
  {
    method: "GET",
    path: /^\/(oauth2\/(authorize|two-factor|two-factor-methods|two-factor-enable|two-factor-enable-complete|authorized-not-registered|logout|error|passkey\.js)|admin(\/[\w.-]+)*)$/,
  },
  {
    method: "POST",
    path: /^\/(oauth2\/(authorize|two-factor|two-factor-methods|two-factor-enable|two-factor-enable-complete|two-factor-passkey|logout)|admin(\/[\w.-]+)*)$/,
  },
  // The self-service account pages (src/routes/account.tsx): the hosted-login SSO session, never a key.
  { method: "GET", path: /^\/account(\/[a-z-]+(\.js)?)?$/ },
  { method: "POST", path: /^\/account\/[a-z-]+$/ },
];

/**
 * Development-only routes (src/routes/dev.ts): open without a key while ENVIRONMENT is development or
 * test, and answering 404 to everyone in production. Never public in production.
 */
export const DEV_ROUTES: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: "GET", path: /^\/dev\/outbox(\.html)?$/ },
  // The passkey page (src/routes/webauthn-dev.ts).
  { method: "GET", path: /^\/dev\/passkeys$/ },
];

export function isPublic(method: string, path: string, search: URLSearchParams, environment = "production"): boolean {
  // `POST /api/two-factor/send?twoFactorId=…` is the login variant of `/send/{twoFactorId}`.
  if (method === "POST" && path === "/api/two-factor/send" && search.has("twoFactorId")) return true;
  if (isDevEnvironment(environment) && DEV_ROUTES.some((r) => r.method === method && r.path.test(path))) return true;
  return PUBLIC_ROUTES.some((r) => r.method === method && r.path.test(path));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const bootstrapDigest = new Map<string, string>();

/**
 * Routes whose service checks a tenant-scoped key in its own first D1 batch (with the data it loads
 * anyway), saving the key check's round trip: `POST /api/two-factor/start`. The key is still checked
 * on every request before anything is done or answered (`confirmKeyInRoute`; the service's batch:
 * `keyedTenantRead` in src/services/tenant-context.ts).
 */
const KEY_CHECK_IN_ROUTE: ReadonlyArray<{ method: string; path: string }> = [
  { method: "POST", path: "/api/two-factor/start" },
];

/**
 * Digest → id and tenant of tenant-scoped keys seen valid in this isolate. A key's id and tenant never
 * change, so an entry can only go stale by the key's deletion, which the route's own check sees.
 */
const KNOWN_KEYS = new Map<string, { keyId: string; tenantId: string }>();
const MAX_KNOWN_KEYS = 1024;

function rememberKey(digest: string, keyId: string, tenantId: string): void {
  if (KNOWN_KEYS.has(digest)) return;
  if (KNOWN_KEYS.size >= MAX_KNOWN_KEYS) KNOWN_KEYS.delete(KNOWN_KEYS.keys().next().value as string);
  KNOWN_KEYS.set(digest, { keyId, tenantId });
}

export function requireApiKey(): MiddlewareHandler<AppEnv> {
  return async function requireApiKey(c, next) {
    const url = new URL(c.req.url);
    if (isPublic(c.req.method, url.pathname, url.searchParams, c.var.config.ENVIRONMENT)) return next();
    const { pepper } = c.var.services;
    const key = c.req.header("authorization")?.trim();
    if (!key || key.length > 512 || /^bearer\s/i.test(key)) throw ApiError.unauthorized();
    const headerTenant = tenantHeader(c);
    if (headerTenant !== null && !UUID.test(headerTenant))
      throw ApiError.general("[invalid]X-FusionAuth-TenantId", "The X-FusionAuth-TenantId header must be a UUID.");
    const digest = await keyedHash(pepper, "api-key", key);
    const known = KNOWN_KEYS.get(digest);
    if (known && KEY_CHECK_IN_ROUTE.some((r) => r.method === c.req.method && r.path === url.pathname)) {
      // A tenant-scoped key acts in its own tenant only (its tenant never changes).
      if (headerTenant && headerTenant !== known.tenantId) throw ApiError.unauthorized();
      c.set("auth", {
        keyId: known.keyId,
        keyTenantId: known.tenantId,
        tenantId: known.tenantId,
        tenant: null,
        unconfirmedKey: digest,
      });
      return next();
    }
    await checkKey(c, digest, headerTenant);
    return next();
  };
}

/**
 * The full key check (one D1 round trip: the key row and the candidate tenant(s)); sets `auth`.
 * Throws 401 for an unknown key or a tenant it may not act in.
 */
async function checkKey(c: Context<AppEnv>, digest: string, headerTenant: string | null): Promise<void> {
  const { db, pepper, config } = c.var.services;

  // One D1 round trip: the key row and the candidate tenant(s). Without a header: a tenant-scoped
  // key's own tenant, else (a global or unknown key) up to two tenants to tell whether one is the default.
  const keyTenant = sql`(SELECT ${apiKeys.tenantId} FROM ${apiKeys} WHERE ${apiKeys.keyHash} = ${digest})`;
  const tenantQuery = headerTenant
    ? db.select().from(tenants).where(eq(tenants.id, headerTenant))
    : db.select().from(tenants).where(sql`${tenants.id} = coalesce(${keyTenant}, ${tenants.id})`).limit(2);
  const [keyRows, tenantRows] = await db.batch([
    db.select({ id: apiKeys.id, tenantId: apiKeys.tenantId }).from(apiKeys).where(eq(apiKeys.keyHash, digest)).limit(1),
    tenantQuery,
  ]);

  let keyId: string;
  let keyTenantId: string | null;
  const row = keyRows[0];
  if (row) {
    keyId = row.id;
    keyTenantId = row.tenantId;
  } else {
    let boot = bootstrapDigest.get(config.BOOTSTRAP_API_KEY);
    if (!boot) {
      boot = await keyedHash(pepper, "api-key", config.BOOTSTRAP_API_KEY);
      bootstrapDigest.set(config.BOOTSTRAP_API_KEY, boot);
    }
    if (!constantTimeEqual(utf8(digest), utf8(boot))) throw ApiError.unauthorized();
    keyId = "bootstrap";
    keyTenantId = null;
  }

  let tenant: TenantRow | null;
  if (keyTenantId) {
    // A tenant-scoped key acts in its own tenant only.
    if (headerTenant && headerTenant !== keyTenantId) throw ApiError.unauthorized();
    tenant = tenantRows.find((t) => t.id === keyTenantId) ?? null;
    if (!tenant) {
      const own = await db.select().from(tenants).where(eq(tenants.id, keyTenantId));
      tenant = own[0] ?? null;
    }
    if (!tenant) throw ApiError.unauthorized();
  } else if (headerTenant) {
    if (tenantRows.length === 0)
      throw ApiError.general("[TenantIdRequired]", "The tenant named by X-FusionAuth-TenantId does not exist.");
    tenant = tenantRows[0]!;
  } else {
    // FusionAuth: while exactly one tenant exists, it is the default.
    tenant = tenantRows.length === 1 ? tenantRows[0]! : null;
  }
  if (keyTenantId) rememberKey(digest, keyId, keyTenantId);
  c.set("auth", { keyId, keyTenantId, tenantId: tenant?.id ?? null, tenant });
}

/**
 * For KEY_CHECK_IN_ROUTE routes: before an error of the route other than the key check's own
 * answer, the key is checked the usual way, so a deleted key is still answered 401 first.
 */
export async function confirmKeyInRoute(c: Context<AppEnv>): Promise<void> {
  const digest = c.var.auth.unconfirmedKey;
  if (digest === undefined) return;
  KNOWN_KEYS.delete(digest);
  await checkKey(c, digest, tenantHeader(c));
}

/** The request's tenant id, or FusionAuth's 400 `[TenantIdRequired]` when it is ambiguous. */
export function requireTenant(c: { var: { auth: AuthContext } }): string {
  return requireTenantRow(c).id;
}

/** The request's tenant row (settings included, loaded in the key check's round trip). */
export function requireTenantRow(c: { var: { auth: AuthContext } }): TenantRow {
  const t = c.var.auth.tenant;
  if (!t)
    throw ApiError.general("[TenantIdRequired]", "A tenant id is required: send the X-FusionAuth-TenantId header.");
  return t;
}

/**
 * User, application and API key ids are global, so creating one with a chosen id that another
 * tenant already uses cannot succeed, and any other answer would tell a tenant-scoped caller that
 * the id exists elsewhere. Such callers therefore may not choose these ids at all: the refusal does
 * not depend on the id. Keys valid for all tenants (which see every tenant anyway) may, e.g. for imports.
 */
export function refuseChosenIdFromTenantKey(
  c: { var: { auth: AuthContext } },
  field: "userId" | "applicationId" | "keyId",
): void {
  if (c.var.auth.keyTenantId !== null) {
    throw ApiError.field(
      field,
      "invalid",
      `A tenant-scoped API key cannot choose the [${field}]; create without one, or use a key valid for all tenants.`,
    );
  }
}
