/**
 * The hosted login's server-side state, on the user's OAuthSessions object
 * (src/storage/durable-objects/oauth-sessions.ts): authorization codes and SSO sessions. The token
 * endpoint (refresh tokens) builds on the same handle format.
 *
 * Handle format: base64url(object id (32 bytes) ‖ secret (32 bytes)), 86 characters. The object id
 * names the user's object, so a code or cookie finds its state with no D1 read and no tenant-wide
 * object; the object stores only SHA-256(secret). A handle that does not parse, or names another
 * kind of object, is simply unknown.
 */
import { randomBytes, sha256 } from "../../domain/crypto.ts";
import { base64UrlDecode, base64UrlEncode, hexDecode, hexEncode } from "../../domain/encoding.ts";
import type { SessionKind, TakeResult } from "../../objects/oauth-sessions.ts";
import type { Services } from "../container.ts";

/** What an authorization code stands for (RFC 6749 §4.1.2, OIDC Core §3.1.2.1). */
export type AuthorizationGrant = {
  tenantId: string;
  applicationId: string;
  userId: string;
  /** The redirect_uri exactly as sent to /oauth2/authorize (compared as a string at the token endpoint). */
  redirectUri: string;
  scopes: string[];
  nonce: string | null;
  /** RFC 7636 S256 challenge, or null when the request had none. */
  codeChallenge: string | null;
  /** Unix seconds of the interactive login (OIDC `auth_time`). */
  authTime: number;
  /** RFC 8176 methods of this login, e.g. ["pwd", "otp", "mfa"]. */
  amr: string[];
  /** FusionAuth's authenticationType (PASSWORD, PING for an SSO re-use, …). */
  authenticationType: string;
  /** The SSO session the code was issued under (the id_token's `sid`), or null. */
  ssoSessionId: string | null;
};

/** A hosted-login SSO session (FusionAuth's `fusionauth.sso` cookie). */
export type SsoSession = {
  tenantId: string;
  userId: string;
  authTime: number;
  amr: string[];
  authenticationType: string;
  /** Public id of the session (the id_token `sid`): not the cookie secret. */
  sid: string;
};

type Handle = { doId: string; hash: string };

async function mint(doIdHex: string): Promise<{ handle: string; hash: string }> {
  const secret = randomBytes(32);
  const raw = new Uint8Array(64);
  raw.set(hexDecode(doIdHex), 0);
  raw.set(secret, 32);
  return { handle: base64UrlEncode(raw), hash: hexEncode(await sha256(secret)) };
}

/** Splits a presented handle; null when it is not 64 bytes of base64url. */
export async function parseHandle(handle: string): Promise<Handle | null> {
  if (handle.length !== 86 || !/^[A-Za-z0-9_-]+$/.test(handle)) return null;
  let raw: Uint8Array;
  try {
    raw = base64UrlDecode(handle);
  } catch {
    return null;
  }
  if (raw.length !== 64) return null;
  return { doId: hexEncode(raw.subarray(0, 32)), hash: hexEncode(await sha256(raw.subarray(32))) };
}

/** Issues a new handle of `kind` on the user's object and stores `value` under it until `expiresAt`. */
export async function issueHandle<T>(
  s: Services,
  tenantId: string,
  userId: string,
  kind: SessionKind,
  value: T,
  expiresAt: number,
): Promise<{ handle: string; hash: string }> {
  const store = s.sessions(tenantId, userId);
  const minted = await mint(store.id.toString());
  await store.put(kind, minted.hash, value, expiresAt);
  return minted;
}

/** An authorization code, single use, alive `ttlSeconds` (FusionAuth's default is 30 s). */
export async function issueAuthorizationCode(
  s: Services,
  grant: AuthorizationGrant,
  ttlSeconds: number,
): Promise<string> {
  const { handle } = await issueHandle(s, grant.tenantId, grant.userId, "code", grant, s.now() + ttlSeconds);
  return handle;
}

/**
 * Consumes a code: `ok` exactly once; `replayed` (with what its first use issued, to revoke) for a
 * second presentation; `missing` when unknown or expired. The caller must still check client,
 * redirect_uri and PKCE, and treat any mismatch as a burned code.
 */
export async function consumeAuthorizationCode(
  s: Services,
  code: string,
): Promise<(TakeResult<AuthorizationGrant> & { hash: string; doId: string }) | { status: "missing" }> {
  const h = await parseHandle(code);
  const store = h ? s.sessionsById(h.doId) : null;
  if (!h || !store) return { status: "missing" };
  const r = await store.take<AuthorizationGrant>("code", h.hash, s.now());
  return { ...r, hash: h.hash, doId: h.doId };
}

/** Starts an SSO session; returns the cookie value (the handle) and the public `sid`. */
export async function startSsoSession(
  s: Services,
  session: Omit<SsoSession, "sid">,
  ttlSeconds: number,
): Promise<{ cookie: string; sid: string }> {
  const sid = crypto.randomUUID();
  const { handle } = await issueHandle(
    s,
    session.tenantId,
    session.userId,
    "sso",
    { ...session, sid },
    s.now() + ttlSeconds,
  );
  return { cookie: handle, sid };
}

/** The live SSO session a cookie names, or null. */
export async function readSsoSession(s: Services, cookie: string | undefined): Promise<SsoSession | null> {
  const h = cookie ? await parseHandle(cookie) : null;
  const store = h ? s.sessionsById(h.doId) : null;
  if (!h || !store) return null;
  return store.get<SsoSession>("sso", h.hash, s.now());
}

/** Ends the SSO session a cookie names (logout); true when there was one. */
export async function endSsoSession(s: Services, cookie: string | undefined): Promise<boolean> {
  const h = cookie ? await parseHandle(cookie) : null;
  const store = h ? s.sessionsById(h.doId) : null;
  if (!h || !store) return false;
  return store.delete("sso", h.hash);
}
