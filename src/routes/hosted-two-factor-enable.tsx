/**
 * Enrolment at login (FusionAuth §2.4): /oauth2/two-factor-enable, when the policy is Required and
 * nothing is enrolled, and /oauth2/two-factor-enable-complete (the recovery codes, shown once).
 * Mounted by ./hosted-two-factor.tsx; codes go through the API's services (enrolMethod,
 * sendMethodCode, completeTwoFactor), so the UserGuard's counters and lock are the API's. The
 * methods offered and their forms come from the factor registry (src/factors/registry.ts).
 */
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import qrcode from "qrcode-generator";
import { buildOtpauthURI } from "../domain/totp.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { requestFacts } from "../http/request-info.ts";
import { activeMethods, configurableFactors, type MethodFactor } from "../factors/registry.ts";
import { EnablePage, RecoveryCodesPage } from "../pages/two-factor.tsx";
import { completeTwoFactor } from "../services/complete-two-factor.ts";
import { seal, startHostedSession, unseal } from "../services/hosted-login.ts";
import { endSsoSession, readSsoSession } from "../services/oauth/grants.ts";
import { enrolMethod } from "../services/enrol-method.ts";
import { sendMethodCode } from "../services/oob-send.ts";
import { offerSecret, type EnableInput } from "../services/two-factor.ts";
import { completeLogin, toLogin, trySso } from "./hosted-authorize.tsx";
import type { Params } from "./hosted-http.tsx";
import { clearHostedCookie, setHostedCookie, SSO_COOKIE } from "./hosted-http.tsx";
import { csrfFor, csrfOk, CSRF_FIELD, refuseCsrf, validated } from "./hosted-http.tsx";
import { hostedError, oauthFields, pageOpts, pagePath, readParams, redirectTo, renderPage } from "./hosted-http.tsx";
import { mfaFields, mfaState, RATE_LIMITED, type Ctx, type Mfa } from "./hosted-mfa-state.ts";

const RECOVERY_COOKIE = "edgemfa.rc";
const RECOVERY_PATH = "/oauth2/two-factor-enable-complete";
const RECOVERY_TTL_SECONDS = 300;

export const hostedEnrolRoutes = new Hono<AppEnv>();
hostedEnrolRoutes.onError(hostedError);

export function qrSvg(uri: string): string {
  const qr = qrcode(0, "M");
  qr.addData(uri, "Byte");
  qr.make();
  // ISO/IEC 18004 §6.3.8: a quiet zone of 4 modules (4 px each).
  return qr.createSvgTag({ cellSize: 4, margin: 16, scalable: true });
}

const BASE32 = /^[A-Z2-7]{16,128}$/;

async function enablePage(
  c: Ctx,
  m: Mfa,
  form: { method?: string; secretBase32?: string; email?: string; mobilePhone?: string },
  opts: { codeError?: string; error?: string; info?: string } = {},
): Promise<Response> {
  const settings = m.v.client.ctx.settings;
  const methods = configurableFactors(settings);
  if (methods.length === 0) return toLogin(c, m.v, "enable_failed");
  const method = methods.find((f) => f.wire === form.method) ?? methods[0]!;
  const account = m.loaded.user.email ?? m.loaded.user.username ?? m.loaded.user.id;
  let secretBase32: string | null = null;
  let secret: string | null = null;
  let svg: string | null = null;
  if (method.enrolment === "shared-secret") {
    if (form.secretBase32 && BASE32.test(form.secretBase32)) secretBase32 = form.secretBase32;
    else {
      const offer = offerSecret(c.var.services, settings.issuer, account);
      secretBase32 = offer.secretBase32Encoded;
      secret = offer.secret;
    }
    svg = qrSvg(buildOtpauthURI({ issuer: settings.issuer, account, secretBase32 }));
  }
  return renderPage(
    c,
    <EnablePage
      hidden={[...mfaFields(m), [CSRF_FIELD, await csrfFor(c)]]}
      methods={methods}
      method={method}
      qrSvg={svg}
      secretBase32={secretBase32}
      secret={secret}
      destination={destination(method, form, m.loaded.user)}
      {...opts}
    />,
    pageOpts(m.v, "Enable two-factor"),
  );
}

/** The destination a sent-code form shows: as typed, else the user attribute the factor prefills. */
export function destination(
  factor: MethodFactor,
  form: { email?: string | undefined; mobilePhone?: string | undefined },
  user: { email: string | null },
): string {
  const field = factor.method.field;
  if (!field) return "";
  return form[field.name] ?? (field.prefill ? (user[field.prefill] ?? "") : "");
}

/**
 * Enrolment state: the challenge must be an enrolment one and the user must still have no method.
 * Otherwise a password alone (a challenge the user cannot answer) could add the caller's own
 * authenticator to the account and pass every later challenge with it.
 */
async function enrolState(c: Ctx, params: Params): Promise<Mfa | Response> {
  const m = await mfaState(c, params);
  if (m instanceof Response) return m;
  if (!m.lc.e || activeMethods(m.loaded.methods, m.v.client.ctx.settings).length > 0) return toLogin(c, m.v, "timeout");
  return m;
}

hostedEnrolRoutes.get("/two-factor-enable", async (c) => {
  const m = await enrolState(c, await readParams(c));
  if (m instanceof Response) return m;
  return enablePage(c, m, { method: m.v.params.method });
});

hostedEnrolRoutes.post("/two-factor-enable", async (c) => {
  const params = await readParams(c);
  if (!(await csrfOk(c, params))) return refuseCsrf(c, null, params);
  const m = await enrolState(c, params);
  if (m instanceof Response) return m;
  const s = c.var.services;
  const ctx = m.v.client.ctx;
  const form = {
    method: params.method,
    secretBase32: params.secretBase32Encoded,
    email: params.email,
    mobilePhone: params.mobilePhone,
  };
  const factor = configurableFactors(ctx.settings).find((f) => f.wire === params.method);
  if (!factor) return enablePage(c, m, form);
  const info = requestFacts(c).info;
  if (params.action === "send") {
    if (factor.delivery === "none") return enablePage(c, m, form);
    try {
      await sendMethodCode(s, ctx, {
        userId: m.lc.u,
        method: factor.delivery,
        email: params.email,
        mobilePhone: params.mobilePhone,
      });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.kind === "locked") return toLogin(c, m.v, "locked");
      return enablePage(c, m, form, {
        error:
          e.kind === "rate_limited" ? RATE_LIMITED : "The code could not be sent. Check the address and try again.",
      });
    }
    return enablePage(c, m, form, { info: "Code successfully sent" });
  }
  const code = (params.code ?? "").trim();
  if (!code) return enablePage(c, m, form, { codeError: "Required" });
  let enabled: Record<string, unknown>;
  try {
    const input = {
      code,
      twoFactorId: m.lc.f,
      info,
      email: params.email,
      mobilePhone: params.mobilePhone,
      secretBase32Encoded: params.secretBase32Encoded,
      secret: params.secret,
    };
    enabled = await enrolMethod(s, ctx, m.lc.u, { ...input, method: factor.wire as EnableInput["method"] });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.kind === "locked") return toLogin(c, m.v, "locked");
    if (e.kind === "invalid_code") return enablePage(c, m, form, { codeError: "Invalid code" });
    if (e.kind === "validation") return enablePage(c, m, form, { error: "Please check the details and try again." });
    throw e;
  }
  // The one-time code the enable answer carries completes the pending login (FusionAuth: trustComputer false).
  if (typeof enabled.code !== "string") return toLogin(c, m.v, "enable_failed");
  try {
    const done = await completeTwoFactor(s, { twoFactorId: m.lc.f, code: enabled.code, noJWT: true, info }, m.lc.t);
    if (done.kind !== "complete" && done.kind !== "not-registered") return toLogin(c, m.v, "enable_failed");
  } catch (e) {
    if (e instanceof ApiError) return toLogin(c, m.v, "enable_failed");
    throw e;
  }
  const who = { userId: m.lc.u, amr: [...m.lc.a, "otp", "mfa"], authTime: s.now(), authenticationType: "PASSWORD" };
  const codes = Array.isArray(enabled.recoveryCodes) ? (enabled.recoveryCodes as string[]) : [];
  if (codes.length === 0) return completeLogin(c, m.v, who);
  // Start the session now; the recovery codes travel in a sealed, HttpOnly, 5-minute cookie (never a URL).
  await endSsoSession(s, getCookie(c, SSO_COOKIE));
  const started = await startHostedSession(s, m.v.client, who);
  setHostedCookie(c, SSO_COOKIE, started.cookie, { maxAge: started.maxAge });
  const sealed = await seal(s, "recovery-codes", { sid: started.session.sid, codes }, s.now() + RECOVERY_TTL_SECONDS);
  setHostedCookie(c, RECOVERY_COOKIE, sealed, { path: RECOVERY_PATH, maxAge: RECOVERY_TTL_SECONDS });
  return redirectTo(c, pagePath(RECOVERY_PATH, oauthFields(m.v.params)));
});

hostedEnrolRoutes.get("/two-factor-enable-complete", async (c) => {
  const v = await validated(c, await readParams(c));
  if (v instanceof Response) return v;
  const s = c.var.services;
  const session = await readSsoSession(s, getCookie(c, SSO_COOKIE));
  const held = await unseal<{ sid: string; codes: string[] }>(s, "recovery-codes", getCookie(c, RECOVERY_COOKIE));
  clearHostedCookie(c, RECOVERY_COOKIE, RECOVERY_PATH);
  if (!session || session.tenantId !== v.client.ctx.tenant.id) return toLogin(c, v, "enable_failed");
  // Without codes to show (already shown, or none): on as a returning SSO visit, with its MFA check.
  if (!held || held.sid !== session.sid) return (await trySso(c, v, "PASSWORD")) ?? toLogin(c, v, "enable_failed");
  return renderPage(
    c,
    <RecoveryCodesPage hidden={[...oauthFields(v.params), [CSRF_FIELD, await csrfFor(c)]]} codes={held.codes} />,
    pageOpts(v, "Recovery codes"),
  );
});

hostedEnrolRoutes.post("/two-factor-enable-complete", async (c) => {
  const params = await readParams(c);
  if (!(await csrfOk(c, params))) return refuseCsrf(c, null, params);
  const v = await validated(c, params);
  if (v instanceof Response) return v;
  // "Done": the session enrolment started; the same check as a returning SSO visit (this app's MFA rule).
  return (await trySso(c, v, "PASSWORD")) ?? toLogin(c, v, "enable_failed");
});
