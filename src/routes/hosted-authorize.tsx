/**
 * GET /oauth2/authorize (login page, or straight back to the client with a live SSO session),
 * POST /oauth2/authorize (the login form), /oauth2/authorized-not-registered, and the end of every
 * hosted login (SSO cookie, code, redirect). The second-factor pages are in ./hosted-two-factor.tsx.
 */
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import { successParams } from "../domain/authorize-request.ts";
import type { AppEnv } from "../env.ts";
import { ensureDeviceCookie, requestFacts } from "../http/request-info.ts";
import { LoginPage } from "../pages/login.tsx";
import { MessagePage } from "../pages/misc.tsx";
import { finishFirstFactor, passwordLogin, type TwoFactorRequired } from "../services/challenges.ts";
import { issueHostedCode, sealLoginContext, startHostedSession, type Authenticated } from "../services/hosted-login.ts";
import { endSsoSession, readSsoSession, type SsoSession } from "../services/oauth/grants.ts";
import { loadUser } from "../services/users.ts";
import {
  csrfFor,
  csrfOk,
  CSRF_FIELD,
  oauthFields,
  pageOpts,
  pagePath,
  readParams,
  redirectBack,
  redirectError,
  redirectTo,
  refuseCsrf,
  renderPage,
  setHostedCookie,
  SSO_COOKIE,
  TRUST_COOKIE,
  validated,
  type Validated,
  hostedError,
} from "./hosted-http.tsx";

type Ctx = Context<AppEnv>;

export const INVALID_LOGIN = "Invalid login credentials.";
export const ACCOUNT_LOCKED = "Your account has been locked.";

/** Notices another page sends the login page to (a fixed set: the query never carries text). */
export const NOTICES = {
  timeout: "You did not complete the two-factor challenge in time. Please restart your request.",
  locked: "You have exceeded the number of allowed attempts. Your account has been locked.",
  enable_failed: "Oops. Something didn't go as planned. Try to complete login again.",
} as const;
export type Notice = keyof typeof NOTICES;

/** Back to the login page with a notice (and every OAuth parameter). */
export function toLogin(c: Ctx, v: Validated, notice: Notice): Response {
  return redirectTo(c, pagePath("/oauth2/authorize", [...oauthFields(v.params), ["notice", notice]]));
}

async function loginPage(
  c: Ctx,
  v: Validated,
  opts: { loginId?: string; error?: string; info?: string; fieldErrors?: { loginId?: string; password?: string } },
): Promise<Response> {
  const hidden: [string, string][] = [...oauthFields(v.params), [CSRF_FIELD, await csrfFor(c)]];
  return renderPage(
    c,
    <LoginPage
      hidden={hidden}
      loginId={opts.loginId ?? v.req.loginHint ?? ""}
      error={opts.error}
      info={opts.info}
      fieldErrors={opts.fieldErrors}
    />,
    pageOpts(v, "Login"),
  );
}

/** The code redirect for a session (or "Registration Required"). */
export async function issueForSession(
  c: Ctx,
  v: Validated,
  session: SsoSession,
  authenticationType: string,
): Promise<Response> {
  const out = await issueHostedCode(c.var.services, v.client, v.req, session, authenticationType);
  if (out.kind === "not_registered") {
    if (v.req.prompt.none)
      return redirectError(c, v, {
        error: "interaction_required",
        error_reason: "registration_required",
        error_description: "The user is not registered for this application.",
      });
    return redirectTo(c, pagePath("/oauth2/authorized-not-registered", oauthFields(v.params)));
  }
  return redirectBack(
    c,
    v.req,
    successParams(out.code, v.client.ctx.settings.issuer, v.req.state, out.userState),
    v.client,
  );
}

/** Every factor done: a new SSO session (cookie), then the code. */
export async function completeLogin(c: Ctx, v: Validated, who: Authenticated): Promise<Response> {
  // A login replaces any session this browser had (no session outlives the login that superseded it).
  await endSsoSession(c.var.services, getCookie(c, SSO_COOKIE));
  ensureDeviceCookie(c, requestFacts(c), c.var.services.random);
  const started = await startHostedSession(c.var.services, v.client, who);
  setHostedCookie(c, SSO_COOKIE, started.cookie, { maxAge: started.maxAge });
  return issueForSession(c, v, started.session, who.authenticationType);
}

/** A 242: on to the chooser, or to enrolment when the policy is Required and nothing is enrolled. */
async function toSecondFactor(
  c: Ctx,
  v: Validated,
  out: TwoFactorRequired,
  userId: string,
  firstAmr: string[],
): Promise<Response> {
  const twoFactorId = out.body.twoFactorId;
  const s = c.var.services;
  const enrol = "configurableMethods" in out.body;
  const sealed = await sealLoginContext(
    s,
    {
      t: v.client.ctx.tenant.id,
      u: userId,
      c: v.client.app.id,
      f: twoFactorId,
      a: firstAmr,
      e: enrol,
      b: await csrfFor(c),
    },
    v.client.ctx.settings.externalIdentifierConfiguration.twoFactorIdTimeToLiveInSeconds,
  );
  const path = enrol ? "/oauth2/two-factor-enable" : "/oauth2/two-factor-methods";
  return redirectTo(
    c,
    pagePath(path, [...oauthFields(v.params), ["twoFactorId", twoFactorId], ["oauth_context", sealed]]),
  );
}

/**
 * A live SSO session: the MFA rule runs again for this application (an app whose policy asks for a
 * factor the session lacks re-challenges, FusionAuth's handleTwoFactorDuringSSO); null when there is
 * no usable session.
 */
export async function trySso(c: Ctx, v: Validated, authenticationType = "PING"): Promise<Response | null> {
  const s = c.var.services;
  const session = await readSsoSession(s, getCookie(c, SSO_COOKIE));
  if (!session || session.tenantId !== v.client.ctx.tenant.id) return null;
  if (v.req.maxAge !== null && s.now() - session.authTime > v.req.maxAge) return null;
  const loaded = await loadUser(s.db, session.tenantId, { by: "id", id: session.userId });
  if (!loaded?.user.active) return null;
  const out = await finishFirstFactor(
    s,
    v.client.ctx,
    loaded,
    v.client.app,
    { twoFactorTrustId: getCookie(c, TRUST_COOKIE), noJWT: true, facts: requestFacts(c) },
    { amr: session.amr, passkey: false, multiFactor: session.amr.includes("mfa") },
    s.now(),
  );
  if (out.kind === "locked") return null;
  if (out.kind !== "two-factor-required") return issueForSession(c, v, session, authenticationType);
  if (v.req.prompt.none)
    return redirectError(c, v, {
      error: "interaction_required",
      error_reason: "multi_factor_challenge_required",
      error_description: "The user is required to complete a multi-factor challenge.",
    });
  return toSecondFactor(c, v, out, session.userId, session.amr);
}

export const hostedAuthorizeRoutes = new Hono<AppEnv>();
hostedAuthorizeRoutes.onError(hostedError);

hostedAuthorizeRoutes.get("/authorize", async (c) => {
  const v = await validated(c, await readParams(c));
  if (v instanceof Response) return v;
  if (!v.req.prompt.login) {
    const sso = await trySso(c, v);
    if (sso) return sso;
  }
  if (v.req.prompt.none)
    return redirectError(c, v, {
      error: "login_required",
      error_reason: "authentication_required",
      error_description: "The user is required to complete authentication.",
    });
  const notice = v.params.notice as Notice | undefined;
  const text = notice && Object.hasOwn(NOTICES, notice) ? NOTICES[notice] : undefined;
  return loginPage(c, v, notice === "locked" ? { error: text } : { info: text });
});

hostedAuthorizeRoutes.post("/authorize", async (c) => {
  const params = await readParams(c);
  if (!(await csrfOk(c, params))) return refuseCsrf(c, null, params);
  const v = await validated(c, params);
  if (v instanceof Response) return v;
  const loginId = (params.loginId ?? "").trim();
  const password = params.password ?? "";
  if (!loginId || !password || loginId.length > 254 || password.length > 256)
    return loginPage(c, v, {
      loginId,
      fieldErrors: {
        ...(!loginId ? { loginId: "Required" } : {}),
        ...(!password ? { password: "Required" } : {}),
      },
      ...(loginId && password ? { error: INVALID_LOGIN } : {}),
    });
  const s = c.var.services;
  const facts = requestFacts(c);
  const out = await passwordLogin(s, v.client.ctx, {
    loginId,
    password,
    applicationId: v.client.app.id,
    twoFactorTrustId: getCookie(c, TRUST_COOKIE),
    noJWT: true,
    facts,
  });
  if (out.kind === "refused") return loginPage(c, v, { loginId, error: INVALID_LOGIN });
  if (out.kind === "locked") return loginPage(c, v, { loginId, error: ACCOUNT_LOCKED });
  if (out.kind !== "two-factor-required") {
    const user = out.body.user as { id: string };
    return completeLogin(c, v, {
      userId: user.id,
      amr: ["pwd"],
      authTime: s.now(),
      authenticationType: "PASSWORD",
    });
  }
  // 242 carries no user id: the same lookup the login just made (the password was right).
  const loaded = await loadUser(s.db, v.client.ctx.tenant.id, { by: "loginId", loginId });
  if (!loaded) return loginPage(c, v, { loginId, error: INVALID_LOGIN });
  return toSecondFactor(c, v, out, loaded.user.id, ["pwd"]);
});

hostedAuthorizeRoutes.get("/authorized-not-registered", async (c) => {
  const v = await validated(c, await readParams(c));
  if (v instanceof Response) return v;
  return renderPage(
    c,
    <MessagePage error="Your account has not been registered for this application." />,
    pageOpts(v, "Registration Required"),
  );
});
