/**
 * The hosted login's services: the client (application + tenant) a `client_id` names, the sealed
 * login context that carries a pending challenge between pages, the CSRF token, and the end of a
 * login (SSO session, registration gate, authorization code).
 *
 * The pages are stateless apart from cookies and the OAuth parameters they carry (as FusionAuth's);
 * the one server-side secret they carry is the twoFactorId, which the UserGuard owns.
 */
import { and, eq, ne } from "drizzle-orm";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import { constantTimeEqual, decryptSecret, encryptSecret, hmacSHA256 } from "../domain/crypto.ts";
import { base64UrlEncode, utf8 } from "../domain/encoding.ts";
import type { AuthorizeClient, AuthorizeRequest } from "../domain/authorize-request.ts";
import { completeApplicationSettings, type ApplicationSettings } from "../settings.ts";
import { applications, tenants, type ApplicationRow } from "../storage/d1/schema.ts";
import type { Services } from "./container.ts";
import { issueAuthorizationCode, startSsoSession, type SsoSession } from "./oauth/grants.ts";
import { findRegistration } from "./registrations.ts";
import { tenantJwks } from "./signing-keys.ts";
import { tenantContext, type TenantContext } from "./tenant-context.ts";

/** FusionAuth's default authorization code lifetime (authorizationGrantIdTimeToLiveInSeconds). */
export const AUTHORIZATION_CODE_TTL_SECONDS = 30;

export type HostedClient = {
  app: ApplicationRow;
  settings: ApplicationSettings;
  ctx: TenantContext;
  authorize: AuthorizeClient;
};

/** The application `clientId` (a normalised UUID) names, with its tenant; one D1 round trip. */
export async function loadClient(s: Services, clientId: string | null): Promise<HostedClient | null> {
  if (!clientId) return null;
  const rows = await s.db
    .select({ app: applications, tenant: tenants })
    .from(applications)
    .innerJoin(tenants, eq(tenants.id, applications.tenantId))
    .where(eq(applications.id, clientId))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  const settings = completeApplicationSettings(row.app.settings);
  const o = settings.oauthConfiguration;
  return {
    app: row.app,
    settings,
    ctx: tenantContext(row.tenant),
    authorize: {
      id: row.app.id,
      tenantId: row.app.tenantId,
      authorizedRedirectURLs: o.authorizedRedirectURLs,
      proofKeyForCodeExchangePolicy: o.proofKeyForCodeExchangePolicy,
      enabledGrants: o.enabledGrants,
      unknownScopePolicy: o.unknownScopePolicy,
    },
  };
}

// ---- Sealed values (AES-256-GCM under the service keyring, NIST SP 800-38D) -------------------

const SEAL_AAD = "edge-mfa:hosted-login:";

/** Seals `value` for `purpose` until `expiresAt`; confidential and tamper-evident. */
export async function seal(s: Services, purpose: string, value: unknown, expiresAt: number): Promise<string> {
  return encryptSecret(s.keyring, utf8(JSON.stringify({ v: value, x: expiresAt })), SEAL_AAD + purpose, s.random);
}

/** The value sealed for `purpose`, or null when malformed, tampered, of another purpose, or expired. */
export async function unseal<T>(s: Services, purpose: string, sealed: string | undefined): Promise<T | null> {
  if (!sealed || sealed.length > 4096) return null;
  try {
    const plain = await decryptSecret(s.keyring, sealed, SEAL_AAD + purpose);
    const o = JSON.parse(new TextDecoder().decode(plain)) as { v: T; x: number };
    return typeof o.x === "number" && o.x > s.now() ? o.v : null;
  } catch {
    return null;
  }
}

/**
 * A pending second factor (FusionAuth's `oauth_context`, our own format): which tenant, user and
 * client the twoFactorId belongs to, and the first factor's RFC 8176 `amr`. Binding the twoFactorId
 * to the client means a challenge started for one application cannot finish a login into another.
 */
export type LoginContext = {
  t: string;
  u: string;
  c: string;
  f: string;
  a: string[];
  /** An enrolment challenge (policy Required, nothing enrolled): only then may the pages add a method. */
  e: boolean;
  /** The browser's CSRF token when the challenge started: a leaked page URL is useless in another browser. */
  b: string;
};

export function sealLoginContext(s: Services, lc: LoginContext, ttlSeconds: number): Promise<string> {
  return seal(s, "login-context", lc, s.now() + ttlSeconds);
}

export async function openLoginContext(
  s: Services,
  sealed: string | undefined,
  expect: { clientId: string; twoFactorId: string | undefined },
): Promise<LoginContext | null> {
  const lc = await unseal<LoginContext>(s, "login-context", sealed);
  return lc && lc.c === expect.clientId && lc.f === expect.twoFactorId ? lc : null;
}

// ---- CSRF (synchroniser token bound to a per-browser cookie) -----------------------------------

/** The form token for a CSRF cookie value: HMAC-SHA-256 under the server pepper, base64url. */
export async function csrfToken(s: Services, cookie: string): Promise<string> {
  return base64UrlEncode(await hmacSHA256(s.pepper, utf8(`hosted-csrf\u001f${cookie}`)));
}

export async function csrfValid(s: Services, cookie: string | undefined, token: string | undefined): Promise<boolean> {
  if (!cookie || !token || cookie.length > 128 || token.length > 128) return false;
  return constantTimeEqual(utf8(await csrfToken(s, cookie)), utf8(token));
}

// ---- The end of a login -------------------------------------------------------------------------

export type Authenticated = {
  userId: string;
  amr: string[];
  authTime: number;
  authenticationType: string;
};

export type IssueResult =
  | { kind: "code"; code: string; userState: "Authenticated" | "AuthenticatedNotRegistered" }
  | { kind: "not_registered" };

/** Starts an SSO session (FusionAuth's `fusionauth.sso`) for a completed login; lifetime from the tenant. */
export async function startHostedSession(
  s: Services,
  client: HostedClient,
  who: Authenticated,
): Promise<{ cookie: string; maxAge: number; session: SsoSession }> {
  const ttl = client.ctx.settings.httpSessionMaxInactiveInterval;
  const session = {
    tenantId: client.ctx.tenant.id,
    userId: who.userId,
    authTime: who.authTime,
    amr: who.amr,
    authenticationType: who.authenticationType,
  };
  const started = await startSsoSession(s, session, ttl);
  return { cookie: started.cookie, maxAge: ttl, session: { ...session, sid: started.sid } };
}

/**
 * Applies requireRegistration (not registered → no code) and issues the single-use code for the
 * session's user (authenticationType PING when an earlier session is reused, as FusionAuth's).
 */
export async function issueHostedCode(
  s: Services,
  client: HostedClient,
  req: AuthorizeRequest,
  session: SsoSession,
  authenticationType: string,
): Promise<IssueResult> {
  const tenantId = client.ctx.tenant.id;
  const reg = await findRegistration(s, tenantId, session.userId, client.app.id);
  if (!reg && client.settings.oauthConfiguration.requireRegistration) return { kind: "not_registered" };
  const code = await issueAuthorizationCode(
    s,
    {
      tenantId,
      applicationId: client.app.id,
      userId: session.userId,
      redirectUri: req.redirectUri,
      scopes: req.scopes,
      nonce: req.nonce,
      codeChallenge: req.codeChallenge,
      authTime: session.authTime,
      amr: session.amr,
      authenticationType,
      ssoSessionId: session.sid,
    },
    AUTHORIZATION_CODE_TTL_SECONDS,
  );
  return { kind: "code", code, userState: reg ? "Authenticated" : "AuthenticatedNotRegistered" };
}

// ---- Logout ---------------------------------------------------------------------------------------

/**
 * The id_token_hint's claims when one of the tenant's published keys signed it for `client`
 * (OIDC RP-Initiated Logout 1.0 §2: an expired token is still a good hint); null otherwise.
 */
export async function verifyIdTokenHint(
  s: Services,
  client: HostedClient,
  hint: string,
): Promise<Record<string, unknown> | null> {
  let exp: number | null;
  try {
    const claims = decodeJwt(hint);
    exp = typeof claims.exp === "number" ? claims.exp : null;
  } catch {
    return null;
  }
  const jwks = createLocalJWKSet(
    (await tenantJwks(s, client.ctx.tenant.id)) as unknown as Parameters<typeof createLocalJWKSet>[0],
  );
  try {
    const { payload } = await jwtVerify(hint, jwks, {
      issuer: client.ctx.settings.issuer,
      audience: client.app.id,
      ...(exp !== null ? { currentDate: new Date(Math.min(s.now(), exp - 1) * 1000) } : {}),
    });
    if (payload.tid !== undefined && payload.tid !== client.ctx.tenant.id) return null;
    return payload as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The logoutURL of every other application of the client's tenant (front-channel logout). */
export async function otherLogoutUrls(s: Services, client: HostedClient): Promise<string[]> {
  const others = await s.db
    .select({ settings: applications.settings })
    .from(applications)
    .where(and(eq(applications.tenantId, client.ctx.tenant.id), ne(applications.id, client.app.id)));
  return others
    .map((a) => completeApplicationSettings(a.settings).oauthConfiguration.logoutURL)
    .filter((u): u is string => !!u);
}
