/**
 * The hosted second factor (FusionAuth §2.3, §2.4): /oauth2/two-factor-methods (auto-pick or
 * chooser; email/SMS selection sends a code), /oauth2/two-factor (the code page; recovery codes in
 * the same field), /oauth2/two-factor-enable (enrolment when the policy is Required and nothing is
 * enrolled) and /oauth2/two-factor-enable-complete (recovery codes, once); the last two are in
 * ./hosted-two-factor-enable.tsx and mounted here.
 *
 * Every code goes through the same services as the API (completeTwoFactor, enableMethod,
 * enableOobMethod, the send services), so the UserGuard's counters and lock are the API's.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { Hono } from "hono";
import { clientIpBucket } from "../domain/client-ip.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { requestFacts } from "../http/request-info.ts";
import { CodePage, MethodsPage } from "../pages/two-factor.tsx";
import { completeTwoFactor } from "../services/complete-two-factor.ts";
import { sendChallengeCode } from "../services/oob-send.ts";
import { activeMethods, methodFactor, sendsCodes } from "../factors/registry.ts";
import { recoveryCode } from "../factors/recovery-code.ts";
import type { MethodRow } from "../services/users.ts";
import { challengeWebAuthn, secondFactorPasskeys } from "../services/passkeys.ts";
import { startAuthentication } from "../services/webauthn.ts";
import type { CredentialJSON } from "../domain/webauthn-policy.ts";
import { decodeJwt } from "jose";
import { assertionCredential } from "./webauthn.ts";
import { completeLogin, toLogin } from "./hosted-authorize.tsx";
import {
  csrfFor,
  csrfOk,
  CSRF_FIELD,
  pageOpts,
  pagePath,
  readParams,
  redirectTo,
  refuseCsrf,
  renderPage,
  setHostedCookie,
  TRUST_COOKIE,
  hostedError,
} from "./hosted-http.tsx";
import { hostedEnrolRoutes } from "./hosted-two-factor-enable.tsx";
import { mfaFields, mfaState, RATE_LIMITED, type Ctx, type Mfa } from "./hosted-mfa-state.ts";

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
  opts: { error?: string; fieldError?: string; status?: ContentfulStatusCode } = {},
): Promise<Response> {
  const methods = activeMethods(m.loaded.methods, m.v.client.ctx.settings);
  const passkey = await passkeyOptions(c, m);
  return renderPage(
    c,
    <MethodsPage
      hidden={[...mfaFields(m), [CSRF_FIELD, await csrfFor(c)]]}
      methods={methods.map((x) => ({ id: x.id, label: methodFactor(x).method.chooserLabel(x) }))}
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
  if (methodId !== recoveryCode.wire && !target) return methodsPage(c, m, { fieldError: "Select a two-factor method" });
  let sent = false;
  if (target && sendsCodes(target)) {
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
hostedTwoFactorRoutes.route("/", hostedEnrolRoutes);

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
    const pick = last ?? (methods.length > 0 && !methods.some(sendsCodes) ? methods[0] : null);
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
    return methodsPage(c, m, { error: "The passkey could not be verified. Please try again." });
  }
  if (out.kind === "locked") return toLogin(c, m.v, "locked");
  if (out.kind === "not-found") return toLogin(c, m.v, "timeout");
  if (out.kind === "invalid-code")
    return methodsPage(c, m, { error: "The passkey could not be verified. Please try again." });
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
    activeMethods(m.loaded.methods, settings).some(sendsCodes) || secondFactorPasskeys(m.loaded, settings).length > 0;
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
  const out = await completeTwoFactor(
    s,
    { twoFactorId: m.lc.f, code, trustComputer, noJWT: true, info: requestFacts(c).info },
    m.lc.t,
  );
  if (out.kind === "invalid-code") return codePage(c, m, "Invalid code");
  if (out.kind === "locked") return toLogin(c, m.v, "locked");
  if (out.kind === "not-found") return toLogin(c, m.v, "timeout");
  if ((out.body.user as { id?: string } | undefined)?.id !== m.lc.u) return toLogin(c, m.v, "timeout");
  if (out.trust) setHostedCookie(c, TRUST_COOKIE, out.trust.id, { maxAge: out.trust.maxAgeSeconds });
  return completeLogin(c, m.v, {
    userId: m.lc.u,
    amr: [...m.lc.a, "otp", "mfa"],
    authTime: s.now(),
    authenticationType: "PASSWORD",
  });
});
