/**
 * The admin console's sign-in: the console is an OAuth client of edge-mfa's own hosted login
 * (authorization code + PKCE S256, RFC 7636 §4). `/admin/login` sends the browser to
 * /oauth2/authorize for the admin application; `/admin/callback` redeems the code through the token
 * endpoint (the same `tokenEndpoint` service /oauth2/token runs), verifies the access token against
 * the system tenant's JWKS, and opens a console session only for a registered admin whose login
 * had a second factor (src/services/admin/console.ts). Refusals are one generic page.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { sha256 } from "../domain/crypto.ts";
import { base64UrlEncode, utf8 } from "../domain/encoding.ts";
import type { AppEnv } from "../env.ts";
import { MessagePage } from "../pages/misc.tsx";
import {
  ADMIN_APPLICATION_ID,
  adminScope,
  hasSecondFactor,
  openAdminSession,
  sealAdminSession,
  SYSTEM_TENANT_ID,
  type Admin,
} from "../services/admin/console.ts";
import type { ChangeContext } from "../services/admin/context.ts";
import { csrfToken, csrfValid, seal, unseal } from "../services/hosted-login.ts";
import { tokenEndpoint } from "../services/oauth/token-endpoint.ts";
import { verifyIssuedJwt } from "../services/oauth/verify.ts";
import { loadUser } from "../services/users.ts";
import { clearHostedCookie, readParams, redirectTo, renderPage, setHostedCookie, type Params } from "./hosted-http.tsx";

export type AdminEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & { admin: Admin; csrf: string; params: Params };
};
type Ctx = Context<AdminEnv>;

export const ADMIN_COOKIE = "edgemfa.admin";
const LOGIN_COOKIE = "edgemfa.admin.login";
const LOGIN_TTL_SECONDS = 600;

type PendingLogin = { verifier: string; state: string };

function callbackUri(c: Ctx): string {
  return `${new URL(c.req.url).origin}/admin/callback`;
}

/** Starts the authorization code flow for the admin application. */
export async function startLogin(c: Ctx): Promise<Response> {
  const s = c.var.services;
  const verifier = base64UrlEncode(s.random(32));
  const state = base64UrlEncode(s.random(16));
  const challenge = base64UrlEncode(await sha256(utf8(verifier)));
  const pending: PendingLogin = { verifier, state };
  setHostedCookie(
    c as unknown as Context<AppEnv>,
    LOGIN_COOKIE,
    await seal(s, "admin-login", pending, s.now() + LOGIN_TTL_SECONDS),
    {
      path: "/admin",
      maxAge: LOGIN_TTL_SECONDS,
    },
  );
  const q = new URLSearchParams({
    client_id: ADMIN_APPLICATION_ID,
    response_type: "code",
    redirect_uri: callbackUri(c),
    scope: "openid",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  return redirectTo(c as unknown as Context<AppEnv>, `/oauth2/authorize?${q}`);
}

function refuse(c: Ctx): Promise<Response> {
  return renderPage(
    c as unknown as Context<AppEnv>,
    <MessagePage
      error="This account cannot use the admin console. Admins sign in with a second factor."
      link={{ href: "/admin/login", text: "Sign in again" }}
    />,
    { heading: "Access denied", status: 403 },
  );
}

/** GET /admin/callback: code → token (PKCE) → verified admin with a second factor → session. */
export async function callback(c: Ctx): Promise<Response> {
  const s = c.var.services;
  const hc = c as unknown as Context<AppEnv>;
  const pending = await unseal<PendingLogin>(s, "admin-login", getCookie(c, LOGIN_COOKIE));
  clearHostedCookie(hc, LOGIN_COOKIE, "/admin");
  const code = c.req.query("code");
  if (!pending || !code || c.req.query("state") !== pending.state) return refuse(c);
  let accessToken: string;
  try {
    const tokens = await tokenEndpoint(s, {
      params: {
        grant_type: "authorization_code",
        code,
        redirect_uri: callbackUri(c),
        code_verifier: pending.verifier,
        client_id: ADMIN_APPLICATION_ID,
      },
      authorization: null,
      tenantId: SYSTEM_TENANT_ID,
    });
    accessToken = tokens.access_token;
  } catch {
    return refuse(c);
  }
  const v = await verifyIssuedJwt(s, accessToken);
  if (v.status !== "ok" || v.tenant.id !== SYSTEM_TENANT_ID || v.claims.aud !== ADMIN_APPLICATION_ID) return refuse(c);
  if (!hasSecondFactor(v.claims.amr) || typeof v.claims.sub !== "string") return refuse(c);
  if (!(await adminScope(s, v.claims.sub))) return refuse(c);
  const user = await loadUser(s.db, SYSTEM_TENANT_ID, { by: "id", id: v.claims.sub });
  const session = {
    sid: base64UrlEncode(s.random(32)),
    userId: v.claims.sub,
    email: user?.user.email ?? null,
    started: s.now(),
  };
  setHostedCookie(hc, ADMIN_COOKIE, await sealAdminSession(s, session), { path: "/admin" });
  return redirectTo(hc, "/admin");
}

/**
 * Every other /admin request: a live session of a current admin (else the sign-in), re-sealed for
 * the idle timeout; every POST carries the session's CSRF token (else 403, before anything is read).
 */
export function requireAdmin(): MiddlewareHandler<AdminEnv> {
  return async function requireAdmin(c, next) {
    const s = c.var.services;
    const hc = c as unknown as Context<AppEnv>;
    const session = await openAdminSession(s, getCookie(c, ADMIN_COOKIE));
    const scope = session ? await adminScope(s, session.userId) : null;
    if (!session || !scope) {
      if (session) clearHostedCookie(hc, ADMIN_COOKIE, "/admin");
      if (c.req.method === "GET") return startLogin(c);
      return c.body(null, 401);
    }
    const params = await readParams(hc);
    if (c.req.method === "POST" && !(await csrfValid(s, session.sid, params.csrf_token))) {
      return renderPage(hc, <MessagePage error="The form expired. Go back, reload the page and try again." />, {
        heading: "Request refused",
        status: 403,
      });
    }
    setHostedCookie(hc, ADMIN_COOKIE, await sealAdminSession(s, session), { path: "/admin" });
    c.set("admin", { ...session, scope });
    c.set("csrf", await csrfToken(s, session.sid));
    c.set("params", params);
    await next();
  };
}

export function logout(c: Ctx): Response {
  clearHostedCookie(c as unknown as Context<AppEnv>, ADMIN_COOKIE, "/admin");
  return redirectTo(c as unknown as Context<AppEnv>, "/admin/signed-out");
}

/** The audit context of a console action. */
export function consoleChange(c: Ctx): ChangeContext {
  const a = c.var.admin;
  return {
    actor: { kind: "user", id: a.userId, email: a.email },
    ipAddress: c.req.header("cf-connecting-ip")?.slice(0, 64) ?? null,
    source: "console",
  };
}
