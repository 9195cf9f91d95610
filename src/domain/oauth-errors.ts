/**
 * FusionAuth's OAuth error body (RFC 6749 §5.2 plus its `error_reason`) and the status each error
 * answers with: 401 for `invalid_client` (RFC 6749 §5.2: "MAY return an HTTP 401"; FusionAuth
 * always does, with `WWW-Authenticate: Basic` only when the client used the Basic scheme), 400 for
 * every other error.
 */

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_token"
  | "unsupported_token_type";

export type OAuthErrorBody = { error: OAuthErrorCode; error_description: string; error_reason?: string };

export type OAuthFailure = OAuthErrorBody & { status: 400 | 401 };

export function oauthFailure(error: OAuthErrorCode, reason: string | null, description: string): OAuthFailure {
  const body: OAuthFailure = { error, error_description: description, status: error === "invalid_client" ? 401 : 400 };
  if (reason) body.error_reason = reason;
  return body;
}

/** FusionAuth's descriptions for the errors the token endpoint answers with. */
export const OAUTH_ERRORS = {
  missingGrantType: () =>
    oauthFailure("invalid_request", "missing_grant_type", "Invalid request. The [grant_type] parameter is required."),
  unsupportedGrantType: () =>
    oauthFailure(
      "unsupported_grant_type",
      null,
      "The grant_type must be set to authorization_code, client_credentials, password, refresh_token or urn:ietf:params:oauth:grant-type:device_code.",
    ),
  authScheme: () =>
    oauthFailure(
      "invalid_client",
      "invalid_client_authentication_scheme",
      "The Authorization header must use the Basic scheme.",
    ),
  authMalformed: () =>
    oauthFailure("invalid_client", "invalid_client_authentication", "Invalid client authentication credentials."),
  clientIdMismatch: () =>
    oauthFailure(
      "invalid_client",
      "client_id_mismatch",
      "The client_id in the Authorization header does not match the client_id in the request body.",
    ),
  badVerifier: () =>
    oauthFailure(
      "invalid_request",
      "invalid_pkce_code_verifier",
      "The code_verifier must be between 43 and 128 characters of [A-Z] [a-z] [0-9] - . _ ~.",
    ),
  missingClientId: () =>
    oauthFailure("invalid_request", "missing_client_id", "Invalid request. The [client_id] parameter is required."),
  unknownClient: () => oauthFailure("invalid_client", "invalid_client_id", "Invalid client_id."),
  authMissing: () =>
    oauthFailure(
      "invalid_client",
      "client_authentication_missing",
      "Client authentication missing as Basic Authorization header or credentials in the body (or some combination of them).",
    ),
  badCredentials: () =>
    oauthFailure("invalid_client", "invalid_client_authentication", "Invalid client authentication credentials."),
  missingVerifier: () =>
    oauthFailure("invalid_client", "missing_code_verifier", "The [code_verifier] parameter is required."),
  grantDisabled: (grant: string) =>
    oauthFailure(
      "unauthorized_client",
      "grant_type_disabled",
      `The grant_type [${grant}] is not enabled for this client.`,
    ),
  missingCode: () =>
    oauthFailure("invalid_request", "missing_code", "Invalid request. The [code] parameter is required."),
  missingRedirectUri: () =>
    oauthFailure(
      "invalid_request",
      "missing_redirect_uri",
      "Invalid request. The [redirect_uri] parameter is required.",
    ),
  badRedirectUri: (uri: string) =>
    oauthFailure("invalid_grant", "invalid_redirect_uri", `redirect_uri: ${uri} is not valid.`),
  codeNotFound: () => oauthFailure("invalid_request", "auth_code_not_found", "Invalid Authorization Code"),
  missingRefreshToken: () =>
    oauthFailure(
      "invalid_request",
      "missing_refresh_token",
      "Invalid request. The [refresh_token] parameter is required.",
    ),
  refreshNotFound: () => oauthFailure("invalid_grant", "refresh_token_not_found", "The refresh_token is invalid."),
  scopeChanged: () =>
    oauthFailure(
      "invalid_scope",
      null,
      "The scope provided is different than the scope used to generate the refresh token.",
    ),
  missingToken: () =>
    oauthFailure("invalid_request", "missing_token", "Invalid request. The [token] parameter is required."),
  unsupportedTokenType: () =>
    oauthFailure(
      "unsupported_token_type",
      "unsupported_token_type",
      "The token_type_hint must be access_token, id_token or refresh_token.",
    ),
} as const;

/** Userinfo's token errors (FusionAuth answers them with 400). */
export const USERINFO_ERRORS = {
  malformed: () => oauthFailure("invalid_token", "access_token_malformed", "The access token cannot be parsed."),
  expired: () => oauthFailure("invalid_token", "access_token_expired", "The access token has expired."),
  unsuitable: () =>
    oauthFailure("invalid_token", "access_token_invalid", "The token is not suitable for the requested use."),
  badAudience: () => oauthFailure("invalid_token", "access_token_invalid", "The [aud] claim is invalid."),
  userGone: () => oauthFailure("invalid_token", "user_not_found", "The [sub] claim is invalid."),
  missingOpenid: () =>
    oauthFailure("invalid_request", "missing_required_scope", "Missing the required [openid] scope."),
} as const;
