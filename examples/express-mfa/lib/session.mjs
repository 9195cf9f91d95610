/**
 * Browser sessions for the example: the cookie carries only a random id and its HMAC, everything else
 * (tokens, the pending PKCE verifier, a TOTP secret being enrolled, recovery codes to show once) stays
 * in this process's memory. Restarting the example signs everyone out, which is fine for a demo.
 *
 * - Cookie `example_session`: HttpOnly, SameSite=Lax (the redirect back from the hosted login is a
 *   top-level GET, so it still arrives), Secure when the example is served over https, Path=/.
 * - The id is replaced when the user signs in (OWASP Session Management: renew the id on privilege change).
 * - Every form carries the session's CSRF token (OWASP CSRF Prevention: synchronizer token pattern).
 */
import { createHmac } from "node:crypto";
import { randomToken, safeEqual } from "./oauth.mjs";

export const COOKIE_NAME = "example_session";

/** @typedef {import("./session.mjs").Session} Session (declared in session.d.mts) */

/**
 * `<id>.<HMAC-SHA256(id)>`, both base64url.
 * @param {string} id
 * @param {string} secret
 */
export function signId(id, secret) {
  return `${id}.${createHmac("sha256", secret).update(id).digest("base64url")}`;
}

/**
 * The id inside a signed cookie value, or undefined when the signature does not match.
 * @param {string | undefined} value
 * @param {string} secret
 */
export function unsignId(value, secret) {
  if (!value) return undefined;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const id = value.slice(0, dot);
  return safeEqual(signId(id, secret), value) ? id : undefined;
}

/**
 * Cookie header → name/value map (RFC 6265 §4.2; the first of duplicate names wins).
 * @param {string | undefined} header
 * @returns {Record<string, string>}
 */
export function parseCookies(header) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!(name in out)) out[name] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * A Set-Cookie value for the session cookie (RFC 6265 §4.1).
 * @param {string} value
 * @param {{ secure: boolean, maxAgeSeconds?: number }} opts
 */
export function sessionCookie(value, opts) {
  const parts = [`${COOKIE_NAME}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax"];
  if (opts.secure) parts.push("Secure");
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  return parts.join("; ");
}

/**
 * In-memory sessions with an idle timeout.
 * @param {{ secret: string, idleMs?: number, now?: () => number }} opts
 */
export function createSessionStore(opts) {
  const idleMs = opts.idleMs ?? 30 * 60_000;
  const now = opts.now ?? Date.now;
  /** @type {Map<string, Session>} */
  const sessions = new Map();

  /** @returns {Session} */
  function create() {
    const t = now();
    /** @type {Session} */
    const s = { id: randomToken(32), csrf: randomToken(32), createdAt: t, lastSeen: t };
    sessions.set(s.id, s);
    return s;
  }

  return {
    create,
    /**
     * The live session a signed cookie value names, or undefined.
     * @param {string | undefined} cookieValue
     */
    get(cookieValue) {
      const id = unsignId(cookieValue, opts.secret);
      const s = id === undefined ? undefined : sessions.get(id);
      if (!s) return undefined;
      if (now() - s.lastSeen > idleMs) {
        sessions.delete(s.id);
        return undefined;
      }
      s.lastSeen = now();
      return s;
    },
    /**
     * The same contents under a new id and CSRF token; the old id stops working.
     * @param {Session} s
     */
    renew(s) {
      sessions.delete(s.id);
      const fresh = { ...s, id: randomToken(32), csrf: randomToken(32), lastSeen: now() };
      sessions.set(fresh.id, fresh);
      return fresh;
    },
    /** @param {Session} s */
    destroy(s) {
      sessions.delete(s.id);
    },
    /** @param {Session} s */
    cookieValue(s) {
      return signId(s.id, opts.secret);
    },
    /** Drops sessions idle longer than the timeout. */
    sweep() {
      const t = now();
      for (const [id, s] of sessions) if (t - s.lastSeen > idleMs) sessions.delete(id);
    },
    get size() {
      return sessions.size;
    },
  };
}

/**
 * Whether a submitted form carries this session's CSRF token.
 * @param {Session | undefined} session
 * @param {unknown} submitted
 */
export function csrfOk(session, submitted) {
  return session !== undefined && safeEqual(submitted, session.csrf);
}
