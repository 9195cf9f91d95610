/**
 * The OAuth 2.0 / OIDC endpoints after the authorization code, wire-compatible with FusionAuth:
 * `POST /oauth2/token` (src/services/oauth/token-endpoint.ts), `GET|POST /oauth2/userinfo` (OIDC
 * Core §5.3) and `POST /oauth2/introspect` (RFC 7662). No API key: clients authenticate with their
 * own credentials or a bearer token. Every answer is JSON with `Cache-Control: no-store`
 * (RFC 6749 §5.1); errors are `{error, error_description, error_reason}` (src/errors.ts OAuthError).
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import { OAUTH_ERRORS, USERINFO_ERRORS, oauthFailure } from "../domain/oauth-errors.ts";
import { parseScopes } from "../domain/oauth-scopes.ts";
import type { AppEnv } from "../env.ts";
import { OAuthError } from "../errors.ts";
import { MAX_BODY_BYTES } from "../http/validate.ts";
import { tenantHeader } from "../http/request-info.ts";
import { apiRoutes } from "../http/route.ts";
import { completeApplicationSettings } from "../settings.ts";
import { loadTokenParties, userClaims } from "../services/oauth/oauth-tokens.ts";
import { authenticateClient, readClient, tokenEndpoint } from "../services/oauth/token-endpoint.ts";
import { isIdToken, verifyIssuedJwt } from "../services/oauth/verify.ts";
import { loadApplicationById } from "../services/oauth/client.ts";

type Ctx = Context<AppEnv>;

function noStore(c: Ctx, body: unknown, status: 200 = 200): Response {
  c.header("Cache-Control", "no-store");
  c.header("Pragma", "no-cache");
  return c.json(body as Record<string, unknown>, status);
}

/** `application/x-www-form-urlencoded` parameters (RFC 6749 §3.2: none may be repeated). */
async function formParams(c: Ctx): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) return {};
  const tooLarge = () => new OAuthError(oauthFailure("invalid_request", null, "The request body is too large."));
  if (Number(c.req.header("content-length") ?? "0") > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await c.req.arrayBuffer();
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(new TextDecoder().decode(bytes))) {
    if (k in out) throw new OAuthError(oauthFailure("invalid_request", null, `The [${k}] parameter is repeated.`));
    out[k] = v;
  }
  return out;
}

/** OIDC Core §5.3 with FusionAuth's two policies: Strict (scoped claims) and Compatibility (pre-1.50). */
async function userinfo(c: Ctx) {
  const s = c.var.services;
  const [scheme, token, ...rest] = (c.req.header("authorization") ?? "").trim().split(/\s+/);
  if (scheme?.toLowerCase() !== "bearer" || !token || rest.length > 0) {
    c.header("Cache-Control", "no-store");
    c.header("WWW-Authenticate", 'Bearer realm="edge-mfa"');
    return c.body(null, 401);
  }
  const v = await verifyIssuedJwt(s, token);
  if (v.status === "expired") throw new OAuthError(USERINFO_ERRORS.expired());
  if (v.status !== "ok") throw new OAuthError(USERINFO_ERRORS.malformed());
  if (isIdToken(v.claims)) throw new OAuthError(USERINFO_ERRORS.unsuitable());
  const aud = typeof v.claims.aud === "string" ? v.claims.aud : null;
  const app = aud ? await loadApplicationById(s, aud) : null;
  if (!app || app.tenantId !== v.tenant.id) throw new OAuthError(USERINFO_ERRORS.badAudience());
  const parties = await loadTokenParties(s, v.tenant.id, String(v.claims.sub));
  if (!parties) throw new OAuthError(USERINFO_ERRORS.userGone());
  const scopes = parseScopes(typeof v.claims.scope === "string" ? v.claims.scope : "");
  const compatibility =
    completeApplicationSettings(app.settings).oauthConfiguration.scopeHandlingPolicy === "Compatibility";
  if (!compatibility) {
    if (!scopes.includes("openid")) throw new OAuthError(USERINFO_ERRORS.missingOpenid());
    return noStore(c, { sub: parties.user.id, tid: v.tenant.id, ...userClaims(parties.user, scopes, false) });
  }
  const { authenticationType: _a, aud: _b, auth_time: _c, exp: _d, iat: _e, iss: _f, jti: _g, ...kept } = v.claims;
  return noStore(c, { ...kept, ...userClaims(parties.user, ["email", "profile", "phone"], true) });
}

const tags = ["OAuth 2.0"];
const oauthErrorSchema = z
  .object({ error: z.string(), error_description: z.string(), error_reason: z.string().optional() })
  .meta({ id: "OAuthError", description: "RFC 6749 §5.2 error with FusionAuth's error_reason." });
const tokenRequest = z.object({
  grant_type: z.enum(["authorization_code", "refresh_token"]),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  code_verifier: z.string().optional(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});
const tokenResponse = z.object({
  access_token: z.string(),
  expires_in: z.number().int(),
  id_token: z.string().optional(),
  refresh_token: z.string().optional(),
  refresh_token_id: z.string().optional(),
  scope: z.string().optional(),
  token_type: z.literal("Bearer"),
  userId: z.string(),
});
const TOKEN_TYPE_HINTS = ["access_token", "id_token", "refresh_token"];

export const oauthTokenRoutes = new Hono<AppEnv>();
const route = apiRoutes(oauthTokenRoutes, "/oauth2");
// The bodies are form-encoded (RFC 6749 §4.1.3): `body` documents them, formParams reads them.

route({
  method: "post",
  path: "/token",
  summary: "Exchange an authorization code or a refresh token (form-encoded; client_secret_basic or _post)",
  tags,
  auth: "none",
  body: tokenRequest,
  parse: false,
  responses: {
    200: { description: "Tokens (Cache-Control: no-store).", schema: tokenResponse },
    400: { description: "OAuth error.", schema: oauthErrorSchema },
    401: { description: "invalid_client.", schema: oauthErrorSchema },
  },
  handler: async (c) => {
    const body = await tokenEndpoint(c.var.services, {
      params: await formParams(c),
      authorization: c.req.header("authorization") ?? null,
      tenantId: tenantHeader(c),
    });
    return noStore(c, body);
  },
});

for (const method of ["get", "post"] as const)
  route({
    method,
    path: "/userinfo",
    summary: "OIDC userinfo for a bearer access token",
    tags,
    auth: "none",
    responses: {
      200: { description: "Claims (Strict: sub, tid and scoped claims).", schema: z.record(z.string(), z.unknown()) },
      400: { description: "Token rejected.", schema: oauthErrorSchema },
      401: { description: "No bearer token (empty body)." },
    },
    handler: userinfo,
  });

/** RFC 7662: the JWT's claims with `active: true` when it is valid and was issued to the calling client. */
route({
  method: "post",
  path: "/introspect",
  summary: "RFC 7662 token introspection (form-encoded token, client_id)",
  tags,
  auth: "none",
  body: z.object({ token: z.string(), client_id: z.string().optional(), token_type_hint: z.string().optional() }),
  parse: false,
  responses: {
    200: {
      description: "`{active:false}` or the token's claims with `active:true`.",
      schema: z.object({ active: z.boolean() }).catchall(z.unknown()),
    },
    400: { description: "OAuth error.", schema: oauthErrorSchema },
    401: { description: "invalid_client.", schema: oauthErrorSchema },
  },
  handler: async (c) => {
    const s = c.var.services;
    const params = await formParams(c);
    const client = await authenticateClient(
      s,
      readClient({ params, authorization: c.req.header("authorization") ?? null, tenantId: null }),
      tenantHeader(c),
      () => false,
    );
    const token = params.token;
    if (!token) throw new OAuthError(OAUTH_ERRORS.missingToken());
    const hint = params.token_type_hint;
    if (hint && !TOKEN_TYPE_HINTS.includes(hint)) throw new OAuthError(OAUTH_ERRORS.unsupportedTokenType());
    const v = await verifyIssuedJwt(s, token);
    if (v.status !== "ok" || v.claims.aud !== client.app.id || v.tenant.id !== client.app.tenantId)
      return noStore(c, { active: false });
    return noStore(c, { active: true, ...v.claims });
  },
});
