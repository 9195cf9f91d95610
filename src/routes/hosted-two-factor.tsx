/**
 * The hosted second factor (FusionAuth §2.3, §2.4): /oauth2/two-factor-methods (auto-pick or
 * chooser; email/SMS selection sends a code), /oauth2/two-factor (the code page; recovery codes in
 * the same field), /oauth2/two-factor-enable (enrolment when the policy is Required and nothing is
 * enrolled) and /oauth2/two-factor-enable-complete (recovery codes, once).
 *
 * Every code goes through the same services as the API (completeTwoFactor, enableMethod,
 * enableOobMethod, the send services), so the UserGuard's counters and lock are the API's.
 */
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import qrcode from "qrcode-generator";
import { clientIpBucket } from "../domain/client-ip.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { requestFacts } from "../http/request-info.ts";
import { CodePage, EnablePage, MethodsPage, RecoveryCodesPage, type EnableMethod } from "../pages/two-factor.tsx";
import { completeTwoFactor } from "../services/complete-two-factor.ts";
import { openLoginContext, seal, startHostedSession, unseal, type LoginContext } from "../services/hosted-login.ts";
import { endSsoSession, readSsoSession } from "../services/oauth/grants.ts";
import { enableOobMethod } from "../services/oob-methods.ts";
import { sendChallengeCode, sendMethodCode } from "../services/oob-send.ts";
import { activeMethods, configurableMethods } from "../services/tenant-context.ts";
import { enableMethod, offerSecret } from "../services/two-factor.ts";
import { loadUser, type LoadedUser, type MethodRow } from "../services/users.ts";
import { challengeWebAuthn, secondFactorPasskeys } from "../services/passkeys.ts";
import { startAuthentication } from "../services/webauthn.ts";
import type { CredentialJSON } from "../domain/webauthn-policy.ts";
import { decodeJwt } from "jose";
import { assertionCredential } from "./webauthn.ts";
import { buildOtpauthURI } from "../domain/totp.ts";
import { completeLogin, toLogin, trySso } from "./hosted-authorize.tsx";
import {
  clearHostedCookie,
  csrfFor,
  csrfOk,
  CSRF_FIELD,
  oauthFields,
  pageOpts,
  pagePath,
  readParams,
  redirectTo,
  refuseCsrf,
  renderPage,
  setHostedCookie,
  SSO_COOKIE,
  TRUST_COOKIE,
  validated,
  type Params,
  type Validated,
  hostedError,
} from "./hosted-http.tsx";

type Ctx = Context<AppEnv>;
type Mfa = { v: Validated; lc: LoginContext; loaded: LoadedUser };

const RECOVERY_COOKIE = "edgemfa.rc";
const RATE_LIMITED = "A code was sent recently. Please wait before requesting another one.";
const RECOVERY_PATH = "/oauth2/two-factor-enable-complete";
const RECOVERY_TTL_SECONDS = 300;

/** The validated OAuth request, its sealed login context and the user; else the answer to send. */
async function mfaState(c: Ctx, params: Params): Promise<Mfa | Response> {
  const v = await validated(c, params);
  if (v instanceof Response) return v;
  const s = c.var.services;
  const lc = await openLoginContext(s, params.oauth_context, {
    clientId: v.client.app.id,
    twoFactorId: params.twoFactorId,
  });
  // Bound to this browser (its CSRF cookie) and to the client's tenant.
  if (!lc || lc.t !== v.client.ctx.tenant.id || lc.b !== (await csrfFor(c))) return toLogin(c, v, "timeout");
  const loaded = await loadUser(s.db, lc.t, { by: "id", id: lc.u });
  if (!loaded) return toLogin(c, v, "timeout");
  return { v, lc, loaded };
}

/** The MFA pages' carried fields: OAuth parameters, twoFactorId and the sealed context. */
function mfaFields(m: Mfa): [string, string][] {
  return [...oauthFields(m.v.params), ["twoFactorId", m.lc.f], ["oauth_context", m.v.params.oauth_context!]];
}

function maskEmail(e: string): string {
  const at = e.indexOf("@");
  return at > 0 ? `${e[0]}•••${e.slice(at)}` : "•••";
}

function methodLabel(m: MethodRow): string {
  if (m.method === "authenticator") return m.name ? `Authenticator app (${m.name})` : "Authenticator app";
  if (m.method === "email") return `Email a code to ${maskEmail(m.email ?? "")}`;
  return `Text a code to •••${(m.mobilePhone ?? "").slice(-4)}`;
}

/** Request options for a passkey answering this challenge, when the user has one the tenant allows here. */
async function passkeyOptions(c: Ctx, m: Mfa): Promise<{ options: string } | null> {
  const settings = m.v.client.ctx.settings;
  if (secondFactorPasskeys(m.loaded, settings).length === 0 || !challengeWebAuthn(settings)) return null;
  try {
    const out = await startAuthentication(c.var.services, m.v.client.ctx, { twoFactorId: m.lc.f });
    return { options: JSON.stringify(out.options) };
  } catch (e) {
    if (e instanceof ApiError) return null;
    throw e;
  }
}

async function methodsPage(
  c: Ctx,
  m: Mfa,
  opts: { error?: string; fieldError?: string; status?: number } = {},
): Promise<Response> {
  const methods = activeMethods(m.loaded.methods, m.v.client.ctx.settings);
  const passkey = await passkeyOptions(c, m);
  return renderPage(
    c,
    <MethodsPage
      hidden={[...mfaFields(m), [CSRF_FIELD, await csrfFor(c)]]}
      methods={methods.map((x) => ({ id: x.id, label: methodLabel(x) }))}
      recoveryCodes={m.loaded.unusedRecoveryCodes}
      passkey={passkey}
      error={opts.error}
      fieldError={opts.fieldError}
    />,
    pageOpts(m.v, "Authentication challenge", { status: opts.status ?? 200, scriptSelf: passkey !== null }),
  );
}

/** Sends a login code to an email/SMS method; a refusal as page text, or null when sent. */
async function sendCode(c: Ctx, m: Mfa, methodId: string): Promise<string | "timeout" | "locked" | null> {
  try {
    await sendChallengeCode(c.var.services, {
      twoFactorId: m.lc.f,
      methodId,
      headerTenantId: m.lc.t,
      clientIp: clientIpBucket(c.req.header("cf-connecting-ip")),
    });
    return null;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.kind === "not_found") return "timeout";
    if (e.kind === "locked") return "locked";
    if (e.kind === "rate_limited") return RATE_LIMITED;
    return "The code could not be sent. Please try another option.";
  }
}

/** On to the code page for `methodId`, sending a code first for email and SMS. */
async function chooseMethod(c: Ctx, m: Mfa, methodId: string, fromChooser: boolean): Promise<Response> {
  const target = activeMethods(m.loaded.methods, m.v.client.ctx.settings).find((x) => x.id === methodId);
  if (methodId !== "recoveryCode" && !target) return methodsPage(c, m, { fieldError: "Select a two-factor method" });
  let sent = false;
  if (target && target.method !== "authenticator") {
    const refused = await sendCode(c, m, target.id);
    if (refused === "timeout" || refused === "locked") return toLogin(c, m.v, refused);
    // Auto-picked during a cooldown (e.g. a reload): the code already sent is still good, so go on.
    if (refused && fromChooser) return methodsPage(c, m, { error: refused });
    sent = refused === null;
  }
  const fields: [string, string][] = [...mfaFields(m), ["methodId", methodId]];
  if (sent) fields.push(["sent", "true"]);
  return redirectTo(c, pagePath("/oauth2/two-factor", fields));
}

export const hostedTwoFactorRoutes = new Hono<AppEnv>();
hostedTwoFactorRoutes.onError(hostedError);

hostedTwoFactorRoutes.get("/two-factor-methods", async (c) => {
  const m = await mfaState(c, await readParams(c));
  if (m instanceof Response) return m;
  if (m.v.params.selectMethod !== "true") {
    // FusionAuth's auto-pick: the last-used method, else the first when every method is an authenticator.
    const methods = activeMethods(m.loaded.methods, m.v.client.ctx.settings);
    const last = methods.reduce<MethodRow | null>(
      (best, r) => (r.lastUsedAt !== null && (best === null || (best.lastUsedAt ?? 0) < r.lastUsedAt) ? r : best),
      null,
    );
    const pick = last ?? (methods.length > 0 && methods.every((x) => x.method === "authenticator") ? methods[0] : null);
    // A passkey is not one of FusionAuth's methods: with one available the chooser is always shown.
    const passkeys = secondFactorPasskeys(m.loaded, m.v.client.ctx.settings).length > 0;
    if (pick && !passkeys) return chooseMethod(c, m, pick.id, false);
  }
  return methodsPage(c, m);
});

hostedTwoFactorRoutes.post("/two-factor-methods", async (c) => {
  const params = await readParams(c);
  if (!(await csrfOk(c, params))) return refuseCsrf(c, null, params);
  const m = await mfaState(c, params);
  if (m instanceof Response) return m;
  const methodId = params.methodId ?? "";
  if (!methodId) return methodsPage(c, m, { fieldError: "Select a two-factor method" });
  return chooseMethod(c, m, methodId, true);
});

/** The methods page's passkey button (the only script of the hosted login); uses /webauthn.js. */
export const PASSKEY_JS = `import { getPasskey, isSupported } from "/webauthn.js";
const form = document.getElementById("passkey-form");
const button = document.getElementById("passkey-button");
if (form && button && isSupported()) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const credential = await getPasskey(JSON.parse(form.dataset.options));
      document.getElementById("passkey-credential").value = JSON.stringify(credential);
      form.submit();
    } catch {
      button.disabled = false;
    }
  });
}
`;

hostedTwoFactorRoutes.get("/passkey.js", (c) =>
  c.body(PASSKEY_JS, 200, {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": "public, max-age=300",
    "x-content-type-options": "nosniff",
  }),
);

hostedTwoFactorRoutes.post("/two-factor-passkey", async (c) => {
  const params = await readParams(c);
  if (!(await csrfOk(c, params))) return refuseCsrf(c, null, params);
  const m = await mfaState(c, params);
  if (m instanceof Response) return m;
  let credential: CredentialJSON | null = null;
  try {
    const parsed = assertionCredential.safeParse(JSON.parse(params.credential ?? ""));
    credential = parsed.success ? (parsed.data as CredentialJSON) : null;
  } catch {
    credential = null;
  }
  if (!credential) return methodsPage(c, m, { error: "The passkey could not be verified. Please try again." });
  const s = c.var.services;
  let out: Awaited<ReturnType<typeof completeTwoFactor>>;
  try {
    // noJWT false: the minted token's `amr` says which kind of passkey answered (hwk or swk, RFC 8176).
    out = await completeTwoFactor(s, { twoFactorId: m.lc.f, webauthn: credential, info: requestFacts(c).info }, m.lc.t);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.kind === "locked") return toLogin(c, m.v, "locked");
    if (e.kind === "not_found") return toLogin(c, m.v, "timeout");
    return methodsPage(c, m, { error: "The passkey could not be verified. Please try again." });
  }
  if ((out.body.user as { id?: string } | undefined)?.id !== m.lc.u) return toLogin(c, m.v, "timeout");
  const amr = decodeJwt(String(out.body.token)).amr;
  return completeLogin(c, m.v, {
    userId: m.lc.u,
    amr: Array.isArray(amr) ? amr.map(String) : [...m.lc.a, "mfa"],
    authTime: s.now(),
    authenticationType: "PASSWORD",
  });
});

function trustDays(m: Mfa): number {
  const ttl =
    m.v.client.settings.externalIdentifierConfiguration.twoFactorTrustIdTimeToLiveInSeconds ??
    m.v.client.ctx.settings.externalIdentifierConfiguration.twoFactorTrustIdTimeToLiveInSeconds;
  return Math.max(1, Math.floor(ttl / 86_400));
}

async function codePage(c: Ctx, m: Mfa, codeError?: string): Promise<Response> {
  const methodId = m.v.params.methodId ?? "";
  const settings = m.v.client.ctx.settings;
  const oob =
    activeMethods(m.loaded.methods, settings).some((x) => x.method !== "authenticator") ||
    secondFactorPasskeys(m.loaded, settings).length > 0;
  const resendHref = oob
    ? pagePath("/oauth2/two-factor-methods", [...mfaFields(m), ["methodId", methodId], ["selectMethod", "true"]])
    : null;
  return renderPage(
    c,
    <CodePage
      hidden={[...mfaFields(m), ["methodId", methodId], [CSRF_FIELD, await csrfFor(c)]]}
      trustDays={trustDays(m)}
      trustChecked={false}
      resendHref={resendHref}
      codeError={codeError}
      info={m.v.params.sent === "true" && !codeError ? "Code successfully sent" : undefined}
    />,
    pageOpts(m.v, "Authentication challenge"),
  );
}

hostedTwoFactorRoutes.get("/two-factor", async (c) => {
  const m = await mfaState(c, await readParams(c));
  if (m instanceof Response) return m;
  return codePage(c, m);
});

hostedTwoFactorRoutes.post("/two-factor", async (c) => {
  const params = await readParams(c);
  if (!(await csrfOk(c, params))) return refuseCsrf(c, null, params);
  const m = await mfaState(c, params);
  if (m instanceof Response) return m;
  const code = (params.code ?? "").trim();
  if (!code) return codePage(c, m, "Required");
  if (code.length > 64) return codePage(c, m, "Invalid code");
  const trustComputer = params.trustComputer === "on" || params.trustComputer === "true";
  const s = c.var.services;
  let out: Awaited<ReturnType<typeof completeTwoFactor>>;
  try {
    out = await completeTwoFactor(
      s,
      { twoFactorId: m.lc.f, code, trustComputer, noJWT: true, info: requestFacts(c).info },
      m.lc.t,
    );
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.kind === "invalid_code") return codePage(c, m, "Invalid code");
    if (e.kind === "locked") return toLogin(c, m.v, "locked");
    if (e.kind === "not_found") return toLogin(c, m.v, "timeout");
    throw e;
  }
  if ((out.body.user as { id?: string } | undefined)?.id !== m.lc.u) return toLogin(c, m.v, "timeout");
  if (out.trust) setHostedCookie(c, TRUST_COOKIE, out.trust.id, { maxAge: out.trust.maxAgeSeconds });
  return completeLogin(c, m.v, {
    userId: m.lc.u,
    amr: [...m.lc.a, "otp", "mfa"],
    authTime: s.now(),
    authenticationType: "PASSWORD",
  });
});

// ---- Enrolment at login ------------------------------------------------------------------------

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
  const methods = configurableMethods(settings) as EnableMethod[];
  if (methods.length === 0) return toLogin(c, m.v, "enable_failed");
  const method = methods.includes(form.method as EnableMethod) ? (form.method as EnableMethod) : methods[0]!;
  const account = m.loaded.user.email ?? m.loaded.user.username ?? m.loaded.user.id;
  let secretBase32: string | null = null;
  let secret: string | null = null;
  let svg: string | null = null;
  if (method === "authenticator") {
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
      email={form.email ?? m.loaded.user.email ?? ""}
      mobilePhone={form.mobilePhone ?? ""}
      {...opts}
    />,
    pageOpts(m.v, "Enable two-factor"),
  );
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

hostedTwoFactorRoutes.get("/two-factor-enable", async (c) => {
  const m = await enrolState(c, await readParams(c));
  if (m instanceof Response) return m;
  return enablePage(c, m, { method: m.v.params.method });
});

hostedTwoFactorRoutes.post("/two-factor-enable", async (c) => {
  const params = await readParams(c);
  if (!(await csrfOk(c, params))) return refuseCsrf(c, null, params);
  const m = await enrolState(c, params);
  if (m instanceof Response) return m;
  const s = c.var.services;
  const ctx = m.v.client.ctx;
  const method = params.method as EnableMethod;
  const form = {
    method,
    secretBase32: params.secretBase32Encoded,
    email: params.email,
    mobilePhone: params.mobilePhone,
  };
  if (!(configurableMethods(ctx.settings) as string[]).includes(method)) return enablePage(c, m, form);
  const info = requestFacts(c).info;
  if (params.action === "send") {
    if (method === "authenticator") return enablePage(c, m, form);
    try {
      await sendMethodCode(s, ctx, { userId: m.lc.u, method, email: params.email, mobilePhone: params.mobilePhone });
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
    enabled =
      method === "authenticator"
        ? await enableMethod(s, ctx, m.lc.u, { ...input, method })
        : await enableOobMethod(s, ctx, m.lc.u, { ...input, method });
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
    await completeTwoFactor(s, { twoFactorId: m.lc.f, code: enabled.code, noJWT: true, info }, m.lc.t);
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

hostedTwoFactorRoutes.get("/two-factor-enable-complete", async (c) => {
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

hostedTwoFactorRoutes.post("/two-factor-enable-complete", async (c) => {
  const params = await readParams(c);
  if (!(await csrfOk(c, params))) return refuseCsrf(c, null, params);
  const v = await validated(c, params);
  if (v instanceof Response) return v;
  // "Done": the session enrolment started; the same check as a returning SSO visit (this app's MFA rule).
  return (await trySso(c, v, "PASSWORD")) ?? toLogin(c, v, "enable_failed");
});
