/**
 * OpenID Connect Discovery 1.0 §4 at FusionAuth's four paths: `/.well-known/openid-configuration`
 * (the only tenant, or `?tenantId=`), `/.well-known/openid-configuration/{tenantId}` and
 * `/{tenantId}/.well-known/openid-configuration`. `issuer` is the tenant's issuer verbatim (it must
 * equal every token's `iss`, §4.3); endpoint URLs are built from the request's base URL. Only what
 * edge-mfa serves is advertised: the code flow with S256 PKCE, the authorization_code and
 * refresh_token grants, RS256/ES256 id_tokens, and RFC 9207 `iss` on authorization responses.
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { tenantHeader } from "../http/request-info.ts";
import { apiRoutes } from "../http/route.ts";
import { publicTenant } from "../services/public-tenant.ts";
import { completeTenantSettings } from "../settings.ts";
import type { TenantRow } from "../storage/d1/schema.ts";

type Ctx = Context<AppEnv>;

const CLAIMS = [
  "amr",
  "applicationId",
  "at_hash",
  "aud",
  "auth_time",
  "authenticationType",
  "c_hash",
  "email",
  "email_verified",
  "exp",
  "family_name",
  "given_name",
  "iat",
  "iss",
  "jti",
  "name",
  "nonce",
  "phone_number",
  "phone_number_verified",
  "preferred_username",
  "roles",
  "scope",
  "sid",
  "sub",
  "tid",
];

export function openidConfiguration(base: string, tenant: TenantRow): Record<string, unknown> {
  return {
    issuer: completeTenantSettings(tenant.settings).issuer,
    authorization_endpoint: `${base}/oauth2/authorize`,
    token_endpoint: `${base}/oauth2/token`,
    userinfo_endpoint: `${base}/oauth2/userinfo`,
    end_session_endpoint: `${base}/oauth2/logout`,
    // The tenant's own key set: with several tenants the bare /.well-known/jwks.json needs a tenant named.
    jwks_uri: `${base}/${tenant.id}/.well-known/jwks.json`,
    authorization_response_iss_parameter_supported: true,
    backchannel_logout_supported: false,
    claims_supported: CLAIMS,
    code_challenge_methods_supported: ["S256"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    id_token_signing_alg_values_supported: ["RS256", "ES256"],
    response_modes_supported: ["query", "form_post"],
    response_types_supported: ["code"],
    scopes_supported: ["openid", "offline_access", "email", "phone", "profile"],
    subject_types_supported: ["public"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
  };
}

async function discovery(c: Ctx, tenantId: string | undefined) {
  const tenant = await publicTenant(c.var.services, tenantId);
  if (!tenant) throw ApiError.notFound();
  const base = new URL(c.req.url).origin;
  c.header("Cache-Control", "public, max-age=60");
  c.header("Vary", "X-FusionAuth-TenantId");
  c.header("Content-Type", "application/json; charset=UTF-8");
  return c.body(JSON.stringify(openidConfiguration(base, tenant), null, 2));
}

export const discoveryRoutes = new Hono<AppEnv>();

const doc = {
  description: "OpenID Provider metadata (OIDC Discovery 1.0 §3).",
  schema: z.object({ issuer: z.string() }).catchall(z.unknown()),
};
const missing = { description: "Unknown tenant, or several tenants and none named (empty body)." };
const fromPath = (c: Context<AppEnv>) => discovery(c, c.req.param("tenantId"));
for (const [path, summary, handler] of [
  // FusionAuth's TypeScript client calls the bare path with its tenant in X-FusionAuth-TenantId.
  [
    "/.well-known/openid-configuration",
    "OIDC discovery for the only tenant (or ?tenantId=)",
    (c: Context<AppEnv>) => discovery(c, c.req.query("tenantId") ?? tenantHeader(c) ?? undefined),
  ],
  ["/.well-known/openid-configuration/:tenantId", "OIDC discovery for a tenant", fromPath],
  ["/:tenantId/.well-known/openid-configuration", "OIDC discovery for a tenant", fromPath],
] as const)
  apiRoutes(
    discoveryRoutes,
    "/",
  )({
    method: "get",
    path,
    summary,
    tags: ["OAuth 2.0"],
    auth: "none",
    responses: { 200: doc, 404: missing },
    handler,
  });
