/**
 * The tokens the OAuth endpoints mint: the access token (FusionAuth's claims) and the OIDC id_token
 * (OIDC Core §2, §3.1.3.6, §3.3.2.11), both JWS with a `kid` header signed through `jose`.
 *
 * - Access token: `aud` = client id (a string), `applicationId` and `roles` only when the user is
 *   registered for the application, `scope`, `sid` = the refresh token id when one was issued, `tid`,
 *   `auth_time`, `authenticationType`, `amr` (RFC 8176). With scopeHandlingPolicy=Compatibility also
 *   `email`, `email_verified`, `preferred_username` (FusionAuth's pre-1.50 behaviour).
 * - id_token: `nonce`, `at_hash`, `c_hash`, `sid` = the SSO session id, `email`/`email_verified` with
 *   the `email` scope, profile claims with `profile`; never `applicationId`/`roles`. Signed by the
 *   application's `idTokenKeyId` when its jwtConfiguration is enabled, else the tenant's key.
 * - Lifetimes: the application's jwtConfiguration when enabled, else the tenant's.
 */
import { and, eq } from "drizzle-orm";
import { halfHash } from "../../domain/oauth-pkce.ts";
import { formatScopes } from "../../domain/oauth-scopes.ts";
import { completeApplicationSettings, completeTenantSettings } from "../../settings.ts";
import { tenants, users, type ApplicationRow, type TenantRow } from "../../storage/d1/schema.ts";
import type { Services } from "../container.ts";
import { findRegistration } from "../registrations.ts";
import { accessTokenSigner, idTokenSigner, signJwt } from "../signing-keys.ts";
import type { UserRow } from "../users.ts";

/** What a token response is minted from (a code's grant, or a refresh token's record). */
export type TokenSubject = {
  tenantId: string;
  userId: string;
  scopes: string[];
  authTime: number;
  amr: string[];
  authenticationType: string;
  ssoSessionId: string | null;
};

export type TokenResponse = {
  access_token: string;
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  refresh_token_id?: string;
  scope?: string;
  token_type: "Bearer";
  userId: string;
};

export type TokenLifetimes = {
  accessSeconds: number;
  refreshMinutes: number;
  refreshPolicy: "Reusable" | "OneTimeUse";
};

/** FusionAuth's tenant defaults for refresh tokens (30 days, Reusable): edge-mfa's tenants have no refresh settings. */
const TENANT_REFRESH_MINUTES = 43_200;

export function tokenLifetimes(tenant: TenantRow, app: ApplicationRow): TokenLifetimes {
  const jwt = completeApplicationSettings(app.settings).jwtConfiguration;
  const tenantTtl = completeTenantSettings(tenant.settings).jwtConfiguration.timeToLiveInSeconds;
  if (!jwt.enabled)
    return { accessSeconds: tenantTtl, refreshMinutes: TENANT_REFRESH_MINUTES, refreshPolicy: "Reusable" };
  return {
    accessSeconds: jwt.timeToLiveInSeconds ?? tenantTtl,
    refreshMinutes: jwt.refreshTokenTimeToLiveInMinutes,
    refreshPolicy: jwt.refreshTokenUsagePolicy,
  };
}

/** The tenant and the active user a token is for; null when either is gone (or the user deactivated). */
export async function loadTokenParties(
  s: Services,
  tenantId: string,
  userId: string,
): Promise<{ tenant: TenantRow; user: UserRow } | null> {
  const [[tenant], [user]] = await s.db.batch([
    s.db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1),
    s.db
      .select()
      .from(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.id, userId)))
      .limit(1),
  ]);
  if (!tenant || !user?.active) return null;
  return { tenant, user };
}

/** OIDC Core §5.1 standard claims edge-mfa holds for a user, filtered by scope (§5.4). */
export function userClaims(user: UserRow, scopes: string[], compatibility: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if ((scopes.includes("email") || compatibility) && user.email) {
    out.email = user.email;
    // edge-mfa has no email verification; users are created verified (FusionAuth's default without verification).
    out.email_verified = true;
  }
  if (scopes.includes("profile") || compatibility) {
    if (user.username) out.preferred_username = user.username;
  }
  if (scopes.includes("profile")) {
    if (user.firstName) out.given_name = user.firstName;
    if (user.lastName) out.family_name = user.lastName;
    const name = [user.firstName, user.lastName].filter(Boolean).join(" ");
    if (name) out.name = name;
  }
  if (scopes.includes("phone") && user.mobilePhone) {
    out.phone_number = user.mobilePhone;
    out.phone_number_verified = false;
  }
  return out;
}

/**
 * Mints the token response: access token, and an id_token when `openid` was granted. `code` is the
 * authorization code being exchanged (for `c_hash`), `nonce` the authorize request's.
 */
export async function mintTokenResponse(
  s: Services,
  input: {
    tenant: TenantRow;
    app: ApplicationRow;
    user: UserRow;
    subject: TokenSubject;
    refresh: { token: string; id: string } | null;
    code?: string;
    nonce?: string | null;
  },
): Promise<TokenResponse> {
  const { tenant, app, user, subject, refresh } = input;
  const settings = completeApplicationSettings(app.settings);
  const compatibility = settings.oauthConfiguration.scopeHandlingPolicy === "Compatibility";
  const issuer = completeTenantSettings(tenant.settings).issuer;
  const now = s.now();
  const exp = now + tokenLifetimes(tenant, app).accessSeconds;
  const scope = formatScopes(subject.scopes);
  const base: Record<string, unknown> = {
    aud: app.id,
    exp,
    iat: now,
    iss: issuer,
    sub: user.id,
    jti: crypto.randomUUID(),
    authenticationType: subject.authenticationType,
    auth_time: subject.authTime,
    tid: tenant.id,
    amr: subject.amr,
  };
  if (scope) base.scope = scope;

  const registration = await findRegistration(s, tenant.id, user.id, app.id);
  const at: Record<string, unknown> = { ...base };
  if (registration) {
    at.applicationId = app.id;
    at.roles = registration.roles;
  }
  if (refresh) at.sid = refresh.id;
  if (compatibility) Object.assign(at, userClaims(user, [], true));
  const accessToken = await signJwt(s, await accessTokenSigner(s, tenant.id, app), at);

  const out: TokenResponse = {
    access_token: accessToken,
    expires_in: exp - now,
    token_type: "Bearer",
    userId: user.id,
  };
  if (subject.scopes.includes("openid")) {
    const id: Record<string, unknown> = {
      ...base,
      jti: crypto.randomUUID(),
      ...userClaims(user, subject.scopes, compatibility),
    };
    id.at_hash = await halfHash(accessToken);
    if (input.code) id.c_hash = await halfHash(input.code);
    if (input.nonce) id.nonce = input.nonce;
    if (subject.ssoSessionId) id.sid = subject.ssoSessionId;
    out.id_token = await signJwt(s, await idTokenSigner(s, tenant.id, app), id);
  }
  if (refresh) {
    out.refresh_token = refresh.token;
    out.refresh_token_id = refresh.id;
  }
  if (scope) out.scope = scope;
  return out;
}
