/**
 * /oauth2/authorize request validation (RFC 6749 §4.1.1, §3.1.2.4; RFC 7636 §4.3; OIDC Core §3.1.2.1),
 * in FusionAuth's order, with FusionAuth's `error` / `error_reason` pairs. Pure: the caller loads the
 * client (application) and passes it in.
 *
 * Two kinds of failure (RFC 6749 §4.1.2.1): while the redirect_uri or the client is not trusted the
 * error is *rendered* (never redirected, so the endpoint is no open redirector); afterwards it is
 * *redirected* to the registered redirect_uri with `iss` (RFC 9207 §2) and `state`.
 */

export type OAuthError = { error: string; error_reason: string; error_description: string };

/** What validation needs to know of the application (a structural subset of its oauthConfiguration). */
export type AuthorizeClient = {
  id: string;
  tenantId: string;
  authorizedRedirectURLs: readonly string[];
  proofKeyForCodeExchangePolicy: "NotRequired" | "Required" | "NotRequiredWhenUsingClientAuthentication";
  enabledGrants: readonly string[];
  unknownScopePolicy: "Reject" | "Remove" | "Allow";
};

export type ResponseMode = "query" | "form_post";

export type AuthorizeRequest = {
  clientId: string;
  redirectUri: string;
  responseMode: ResponseMode;
  scopes: string[];
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  prompt: { none: boolean; login: boolean };
  /** OIDC Core §3.1.2.1 max_age in seconds, or null. 0 behaves like prompt=login. */
  maxAge: number | null;
  loginHint: string | null;
};

export type AuthorizeOutcome =
  | { kind: "render"; error: OAuthError }
  | { kind: "redirect"; error: OAuthError; redirectUri: string; responseMode: ResponseMode; state: string | null }
  | { kind: "ok"; request: AuthorizeRequest };

export type AuthorizeParams = Readonly<Record<string, string | undefined>>;

/** The scopes FusionAuth provides itself; anything else is unknown here (no custom scopes). */
export const KNOWN_SCOPES: readonly string[] = ["openid", "offline_access", "profile", "email", "phone", "address"];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RFC 7636 §4.2: 43–128 characters of the unreserved set. */
const PKCE_CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;
const IMPLICIT = new Set(["token", "id_token", "token id_token", "id_token token"]);

function err(error: string, reason: string, description: string): OAuthError {
  return { error, error_reason: reason, error_description: description };
}

/** The application id a `client_id` names (lower-cased UUID), or null when it is not a UUID. */
export function normaliseClientId(raw: string | undefined): string | null {
  const v = raw?.trim();
  return v && UUID.test(v) ? v.toLowerCase() : null;
}

/**
 * RFC 3986 §6.2.2.1 case normalisation only: scheme and host compare case-insensitively; user info,
 * port, path (including a trailing slash), query and fragment compare exactly. No percent-decoding
 * or dot-segment removal, so two strings that a browser would treat differently never match.
 */
function canonicalUri(uri: string): string | null {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:([^/?#@]*)@)?([^/?#:]*)(:[0-9]*)?([^#]*)$/.exec(uri);
  if (!m) return null;
  const [, scheme, userInfo, host, port, rest] = m;
  return `${scheme!.toLowerCase()}://${userInfo !== undefined ? `${userInfo}@` : ""}${host!.toLowerCase()}${port ?? ""}${rest}`;
}

/**
 * FusionAuth's `ExactMatch` policy: `uri` equals one registered entry; entries containing `*` are
 * ignored (wildcards are not supported here). Also authorises post_logout_redirect_uri.
 */
export function isRegisteredRedirectUri(registered: readonly string[], uri: string): boolean {
  const want = canonicalUri(uri);
  if (want === null) return false;
  return registered.some((r) => !r.includes("*") && canonicalUri(r) === want);
}

function parsePrompt(raw: string | undefined): { none: boolean; login: boolean } | null {
  const values = (raw ?? "").split(" ").filter(Boolean);
  const none = values.includes("none");
  if (none && values.length > 1) return null;
  return { none, login: values.includes("login") };
}

/**
 * Validates in FusionAuth's order: redirect_uri present → client → tenant → PKCE syntax and method →
 * redirect_uri registered → response_type → PKCE required → response_mode → grant enabled → scopes
 * → prompt → max_age. `client` is the application `client_id` names, or null when there is none.
 */
export function validateAuthorizeRequest(p: AuthorizeParams, client: AuthorizeClient | null): AuthorizeOutcome {
  const redirectUri = p.redirect_uri;
  if (!redirectUri)
    return {
      kind: "render",
      error: err(
        "invalid_request",
        "missing_redirect_uri",
        "The request is missing a required parameter: redirect_uri",
      ),
    };
  const clientId = normaliseClientId(p.client_id);
  if (!client || clientId !== client.id || (p.tenantId && p.tenantId.toLowerCase() !== client.tenantId))
    return {
      kind: "render",
      error: err("invalid_client", "invalid_client_id", `client_id: ${p.client_id ?? ""} is not valid.`),
    };
  const codeChallenge = p.code_challenge || null;
  if (codeChallenge !== null && !PKCE_CHALLENGE.test(codeChallenge))
    return {
      kind: "render",
      error: err("invalid_request", "invalid_pkce_code_challenge", "The code_challenge is invalid."),
    };
  // RFC 7636 §4.3: "plain" is allowed by the RFC; FusionAuth (and edge-mfa) accept S256 only.
  if (p.code_challenge_method && p.code_challenge_method !== "S256")
    return {
      kind: "render",
      error: err("invalid_request", "invalid_pkce_code_challenge_method", "The code_challenge_method must be S256."),
    };
  if (!isRegisteredRedirectUri(client.authorizedRedirectURLs, redirectUri))
    return {
      kind: "render",
      error: err("invalid_request", "invalid_redirect_uri", `Invalid redirect_uri ${redirectUri}`),
    };

  const state = p.state ?? null;
  const requestedMode = p.response_mode;
  const responseMode: ResponseMode = requestedMode === "form_post" ? "form_post" : "query";
  const redirect = (e: OAuthError): AuthorizeOutcome => ({
    kind: "redirect",
    error: e,
    redirectUri,
    responseMode,
    state,
  });

  const responseType = (p.response_type ?? "").trim().replace(/\s+/g, " ");
  if (!responseType)
    return redirect(
      err("invalid_request", "missing_response_type", "The request is missing a required parameter: response_type"),
    );
  if (responseType !== "code")
    return redirect(
      err(
        "unsupported_response_type",
        "invalid_response_type",
        IMPLICIT.has(responseType)
          ? "The implicit grant is not supported. Use response_type=code."
          : `The response_type [${responseType}] is not supported.`,
      ),
    );
  if (client.proofKeyForCodeExchangePolicy === "Required" && codeChallenge === null)
    return redirect(
      err("invalid_request", "missing_code_challenge", "The code_challenge parameter is required for this client."),
    );
  if (requestedMode !== undefined && requestedMode !== "query" && requestedMode !== "form_post")
    return redirect(
      err("invalid_request", "invalid_response_mode", `The response_mode [${requestedMode}] is not supported.`),
    );
  if (!client.enabledGrants.includes("authorization_code"))
    return redirect(
      err(
        "unauthorized_client",
        "grant_type_disabled",
        "The [authorization_code] Authorization Code grant has been disabled for this client.",
      ),
    );

  let scopes = [...new Set((p.scope ?? "").split(" ").filter(Boolean))];
  const unknown = scopes.filter((s) => !KNOWN_SCOPES.includes(s));
  if (unknown.length > 0) {
    if (client.unknownScopePolicy === "Reject")
      return redirect(
        err("invalid_scope", "unknown_scope", `Invalid scope. The scopes [${unknown.join(", ")}] are unknown.`),
      );
    if (client.unknownScopePolicy === "Remove") scopes = scopes.filter((s) => KNOWN_SCOPES.includes(s));
  }

  const prompt = parsePrompt(p.prompt);
  if (!prompt)
    return redirect(err("invalid_request", "invalid_prompt", "The prompt value none cannot be combined with others."));

  let maxAge: number | null = null;
  if (p.max_age !== undefined && p.max_age !== "") {
    if (!/^[0-9]{1,9}$/.test(p.max_age))
      return redirect(
        err("invalid_request", "invalid_max_age", "The max_age parameter must be a non-negative integer."),
      );
    maxAge = Number(p.max_age);
  }

  return {
    kind: "ok",
    request: {
      clientId,
      redirectUri,
      responseMode,
      scopes,
      state,
      nonce: p.nonce || null,
      codeChallenge,
      prompt: { none: prompt.none, login: prompt.login || maxAge === 0 },
      maxAge,
      loginHint: p.login_hint || null,
    },
  };
}

/**
 * The parameters of a redirect back to the client, `iss` always included (RFC 9207 §2; FusionAuth
 * 1.69). Success: code, iss, state, userState. Error: error, error_reason, error_description, iss, state.
 */
export function successParams(
  code: string,
  issuer: string,
  state: string | null,
  userState: string,
): [string, string][] {
  const out: [string, string][] = [
    ["code", code],
    ["iss", issuer],
  ];
  if (state !== null) out.push(["state", state]);
  out.push(["userState", userState]);
  return out;
}

export function errorParams(e: OAuthError, issuer: string, state: string | null): [string, string][] {
  const out: [string, string][] = [
    ["error", e.error],
    ["error_reason", e.error_reason],
    ["error_description", e.error_description],
    ["iss", issuer],
  ];
  if (state !== null) out.push(["state", state]);
  return out;
}

/** `uri` with `params` appended to its query (RFC 6749 §4.1.2: existing query components are kept). */
export function appendQuery(uri: string, params: [string, string][]): string {
  if (params.length === 0) return uri;
  const hash = uri.indexOf("#");
  const base = hash >= 0 ? uri.slice(0, hash) : uri;
  const q = new URLSearchParams(params).toString();
  const sep = base.includes("?") ? (base.endsWith("?") || base.endsWith("&") ? "" : "&") : "?";
  return `${base}${sep}${q}`;
}
