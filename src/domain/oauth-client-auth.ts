/**
 * Client authentication at the token and introspection endpoints (RFC 6749 §2.3.1), as FusionAuth
 * reads it, and its policy table for when a client must authenticate and when PKCE is required.
 *
 * Basic (`client_secret_basic`): the scheme is matched case-insensitively, the value base64-decoded
 * and split at the first `:`. FusionAuth uses both parts as they are; RFC 6749 §2.3.1 says they are
 * form-urlencoded first (openid-client, Authlib and x/oauth2 do so), so the raw pair is tried first
 * and the URL-decoded pair second. A body `client_id` that names another client than the header is
 * `client_id_mismatch`. A sent secret is always checked, even where none is required, so the text
 * "undefined" that FusionAuth's TypeScript client sends for a missing secret fails like any other;
 * a body secret that differs from the header's fails too.
 */
import { OAUTH_ERRORS, type OAuthFailure } from "./oauth-errors.ts";

export type ClientAuthenticationPolicy = "Required" | "NotRequired" | "NotRequiredWhenUsingPKCE";
export type PkcePolicy = "NotRequired" | "Required" | "NotRequiredWhenUsingClientAuthentication";

/** What the request presented: the client id, and the secrets to try in order (empty: no secret sent). */
export type PresentedClient = {
  clientId: string | null;
  secrets: string[];
  /** Whether the Basic scheme was used (then a 401 carries `WWW-Authenticate: Basic`). */
  basic: boolean;
};

function formDecode(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return null;
  }
}

function decodeBase64(s: string): string | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) return null;
  try {
    const bin = atob(s);
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
      Uint8Array.from(bin, (ch) => ch.charCodeAt(0)),
    );
  } catch {
    return null;
  }
}

/**
 * Reads the client from the Authorization header and the body parameters (step 2 of FusionAuth's
 * order). A header that is not Basic, or Basic that does not decode to `id:secret`, fails.
 */
export function presentedClient(
  authorization: string | null,
  body: { clientId: string | null; clientSecret: string | null },
): { ok: true; client: PresentedClient } | { ok: false; failure: OAuthFailure; basic: boolean } {
  const bodyId = body.clientId || null;
  const bodySecret = body.clientSecret || null;
  if (!authorization)
    return { ok: true, client: { clientId: bodyId, secrets: bodySecret ? [bodySecret] : [], basic: false } };
  const [scheme, value, ...rest] = authorization.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== "basic") return { ok: false, failure: OAUTH_ERRORS.authScheme(), basic: false };
  const decoded = value && rest.length === 0 ? decodeBase64(value) : null;
  const colon = decoded?.indexOf(":") ?? -1;
  if (decoded === null || decoded === undefined || colon < 0)
    return { ok: false, failure: OAUTH_ERRORS.authMalformed(), basic: true };
  const rawId = decoded.slice(0, colon);
  const rawSecret = decoded.slice(colon + 1);
  const decId = formDecode(rawId);
  const decSecret = formDecode(rawSecret);
  let clientId = rawId;
  if (bodyId !== null && bodyId !== rawId) {
    if (decId !== bodyId) return { ok: false, failure: OAUTH_ERRORS.clientIdMismatch(), basic: true };
    clientId = decId;
  } else if (bodyId === null && decId !== null && decId !== rawId) {
    clientId = decId;
  }
  const secrets = [rawSecret, ...(decSecret !== null && decSecret !== rawSecret ? [decSecret] : [])].filter(Boolean);
  // A secret in the body as well as the header is one credential only when they agree: otherwise one
  // of them is wrong, and a sent secret is always checked (RFC 6749 §2.3 allows one method per
  // request; §5.2). Accepting "either" would let a right header hide a wrong body secret.
  if (bodySecret && secrets.length > 0 && !secrets.includes(bodySecret))
    return { ok: false, failure: OAUTH_ERRORS.badCredentials(), basic: true };
  if (bodySecret && secrets.length === 0) secrets.push(bodySecret);
  return { ok: true, client: { clientId: clientId || null, secrets, basic: true } };
}

/**
 * Whether the client must authenticate (FusionAuth's table): `Required` always, `NotRequired` never,
 * `NotRequiredWhenUsingPKCE` for the authorization_code grant only when no code_verifier is sent, and
 * always for the refresh_token grant.
 */
export function clientAuthenticationRequired(
  policy: ClientAuthenticationPolicy,
  grant: "authorization_code" | "refresh_token",
  usingPkce: boolean,
): boolean {
  if (policy === "Required") return true;
  if (policy === "NotRequired") return false;
  return grant === "authorization_code" ? !usingPkce : true;
}

/** Whether a code_verifier is required (RFC 7636 per-application policy). */
export function pkceRequired(policy: PkcePolicy, clientAuthenticated: boolean): boolean {
  if (policy === "Required") return true;
  if (policy === "NotRequiredWhenUsingClientAuthentication") return !clientAuthenticated;
  return false;
}
