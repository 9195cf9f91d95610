/**
 * `POST /oauth2/token` (RFC 6749 §4.1.3, §6; RFC 7636 §4.5–4.6) in FusionAuth's validation order and
 * error codes:
 *   1 grant_type → 2 Basic header → 3 code_verifier syntax → 4 client_id → 5 client credentials per
 *   policy → 6 PKCE policy → 7 grant enabled → 8 code / redirect_uri present and registered →
 *   9 exchange.
 * At step 9 the code is consumed first (single use, atomically) and only then compared: another
 * client's code, a different redirect_uri string, a challenge without a verifier (or the reverse) or a
 * wrong verifier all answer `invalid_request`/`auth_code_not_found` with the code already burned. A
 * replayed code revokes the refresh-token family its first use issued (RFC 6749 §4.1.2).
 */
import {
  clientAuthenticationRequired,
  pkceRequired,
  presentedClient,
  type PresentedClient,
} from "../../domain/oauth-client-auth.ts";
import { OAUTH_ERRORS, type OAuthFailure } from "../../domain/oauth-errors.ts";
import { isValidCodeVerifier, verifyS256 } from "../../domain/oauth-pkce.ts";
import { isScopeSubset, issuesRefreshToken, parseScopes } from "../../domain/oauth-scopes.ts";
import { OAuthError } from "../../errors.ts";
import { completeApplicationSettings, type ApplicationSettings } from "../../settings.ts";
import type { ApplicationRow } from "../../storage/d1/schema.ts";
import type { Services } from "../container.ts";
import { loadApplicationById, verifyClientSecret } from "./client.ts";
import { consumeAuthorizationCode } from "./grants.ts";
import { loadTokenParties, mintTokenResponse, tokenLifetimes, type TokenResponse } from "./oauth-tokens.ts";
import {
  familyNote,
  issueRefreshToken,
  lookupRefreshToken,
  revokeFamilies,
  rotateRefreshToken,
} from "./refresh-tokens.ts";

export type TokenRequest = {
  params: Record<string, string>;
  authorization: string | null;
  /** `X-FusionAuth-TenantId`, when sent: the client must belong to that tenant. */
  tenantId: string | null;
};

/** An authenticated (or policy-exempt) client. */
export type ResolvedClient = {
  app: ApplicationRow;
  settings: ApplicationSettings;
  /** Whether a secret was presented and verified. */
  authenticated: boolean;
  basic: boolean;
};

function fail(failure: OAuthFailure, basic = false): never {
  throw new OAuthError(failure, basic);
}

/** Step 2: the Authorization header and body credentials. */
export function readClient(req: TokenRequest): PresentedClient {
  const p = presentedClient(req.authorization, {
    clientId: req.params.client_id ?? null,
    clientSecret: req.params.client_secret ?? null,
  });
  if (!p.ok) fail(p.failure, p.basic);
  return p.client;
}

/** Steps 4–5: the client exists (in the named tenant) and its secret, when sent, is right; `required` per policy. */
export async function authenticateClient(
  s: Services,
  presented: PresentedClient,
  tenantId: string | null,
  required: (settings: ApplicationSettings) => boolean,
): Promise<ResolvedClient> {
  const { clientId, secrets, basic } = presented;
  if (!clientId) fail(OAUTH_ERRORS.missingClientId(), basic);
  const app = await loadApplicationById(s, clientId);
  if (!app || (tenantId !== null && tenantId.toLowerCase() !== app.tenantId)) fail(OAUTH_ERRORS.unknownClient(), basic);
  const settings = completeApplicationSettings(app.settings);
  if (secrets.length > 0) {
    if (!(await verifyClientSecret(s, app, secrets))) fail(OAUTH_ERRORS.badCredentials(), basic);
    return { app, settings, authenticated: true, basic };
  }
  if (required(settings)) fail(OAUTH_ERRORS.authMissing(), basic);
  return { app, settings, authenticated: false, basic };
}

export async function tokenEndpoint(s: Services, req: TokenRequest): Promise<TokenResponse> {
  const grant = req.params.grant_type;
  if (!grant) fail(OAUTH_ERRORS.missingGrantType());
  if (grant !== "authorization_code" && grant !== "refresh_token") fail(OAUTH_ERRORS.unsupportedGrantType());
  const presented = readClient(req);
  return grant === "authorization_code"
    ? authorizationCodeGrant(s, req, presented)
    : refreshTokenGrant(s, req, presented);
}

async function authorizationCodeGrant(s: Services, req: TokenRequest, presented: PresentedClient) {
  const p = req.params;
  const verifier = p.code_verifier || null;
  if (verifier !== null && !isValidCodeVerifier(verifier)) fail(OAUTH_ERRORS.badVerifier(), presented.basic);
  const client = await authenticateClient(s, presented, req.tenantId, (st) =>
    clientAuthenticationRequired(
      st.oauthConfiguration.clientAuthenticationPolicy,
      "authorization_code",
      verifier !== null,
    ),
  );
  const oauth = client.settings.oauthConfiguration;
  if (verifier === null && pkceRequired(oauth.proofKeyForCodeExchangePolicy, client.authenticated))
    fail(OAUTH_ERRORS.missingVerifier(), client.basic);
  if (!oauth.enabledGrants.includes("authorization_code")) fail(OAUTH_ERRORS.grantDisabled("authorization_code"));
  const code = p.code;
  if (!code) fail(OAUTH_ERRORS.missingCode());
  const redirectUri = p.redirect_uri;
  if (!redirectUri) fail(OAUTH_ERRORS.missingRedirectUri());
  if (!oauth.authorizedRedirectURLs.includes(redirectUri)) fail(OAUTH_ERRORS.badRedirectUri(redirectUri));

  const taken = await consumeAuthorizationCode(s, code);
  if (taken.status === "replayed") {
    const store = s.sessionsById(taken.doId);
    if (store) await revokeFamilies(s, store, taken.issued);
  }
  if (taken.status !== "ok") fail(OAUTH_ERRORS.codeNotFound());
  const g = taken.value;
  const pkceOk =
    g.codeChallenge === null ? verifier === null : verifier !== null && (await verifyS256(verifier, g.codeChallenge));
  if (g.applicationId !== client.app.id || g.redirectUri !== redirectUri || !pkceOk) fail(OAUTH_ERRORS.codeNotFound());
  const parties = await loadTokenParties(s, g.tenantId, g.userId);
  if (!parties) fail(OAUTH_ERRORS.codeNotFound());

  let refresh: { token: string; id: string } | null = null;
  if (issuesRefreshToken(g.scopes, oauth.generateRefreshTokens) && oauth.enabledGrants.includes("refresh_token")) {
    const family = crypto.randomUUID();
    // Noted before the token exists, so a replay racing this exchange still finds the family to revoke.
    await s.sessionsById(taken.doId)?.noteIssued("code", taken.hash, familyNote(family));
    const life = tokenLifetimes(parties.tenant, client.app);
    refresh = await issueRefreshToken(s, {
      family,
      tenantId: g.tenantId,
      applicationId: g.applicationId,
      userId: g.userId,
      scopes: g.scopes,
      authTime: g.authTime,
      amr: g.amr,
      authenticationType: g.authenticationType,
      ssoSessionId: g.ssoSessionId,
      expiresAt: s.now() + life.refreshMinutes * 60,
    });
  }
  return mintTokenResponse(s, {
    ...parties,
    app: client.app,
    subject: g,
    refresh,
    code,
    nonce: g.nonce,
  });
}

async function refreshTokenGrant(s: Services, req: TokenRequest, presented: PresentedClient) {
  const p = req.params;
  const client = await authenticateClient(s, presented, req.tenantId, (st) =>
    clientAuthenticationRequired(st.oauthConfiguration.clientAuthenticationPolicy, "refresh_token", false),
  );
  const oauth = client.settings.oauthConfiguration;
  if (!oauth.enabledGrants.includes("refresh_token")) fail(OAUTH_ERRORS.grantDisabled("refresh_token"));
  const token = p.refresh_token;
  if (!token) fail(OAUTH_ERRORS.missingRefreshToken());

  const found = await lookupRefreshToken(s, token);
  if (found.status !== "ok" || found.record.applicationId !== client.app.id) fail(OAUTH_ERRORS.refreshNotFound());
  const record = found.record;
  // FusionAuth's TypeScript client sends `scope=undefined` when none is given: treat it as absent.
  const requested = p.scope && p.scope !== "undefined" ? parseScopes(p.scope) : null;
  if (requested && !isScopeSubset(requested, record.scopes)) fail(OAUTH_ERRORS.scopeChanged());
  const parties = await loadTokenParties(s, record.tenantId, record.userId);
  if (!parties) fail(OAUTH_ERRORS.refreshNotFound());

  const life = tokenLifetimes(parties.tenant, client.app);
  let refresh: { token: string; id: string } | null = { token, id: record.id };
  if (life.refreshPolicy === "OneTimeUse") {
    refresh = await rotateRefreshToken(s, found);
    if (!refresh) fail(OAUTH_ERRORS.refreshNotFound());
  }
  return mintTokenResponse(s, {
    ...parties,
    app: client.app,
    subject: { ...record, scopes: requested ?? record.scopes, authenticationType: "REFRESH_TOKEN" },
    refresh,
  });
}
