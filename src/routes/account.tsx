/**
 * The self-service account pages (/account, issue 14): a signed-in user's security overview, adding
 * an authenticator app, email or SMS method, removing a method, regenerating recovery codes,
 * revoking trusted devices, and registering, renaming and deleting passkeys.
 *
 * Sign-in: the hosted login's SSO session (`fusionauth.sso`). A visitor without one goes to
 * /account/login, which sends the browser through /oauth2/authorize for the tenant's built-in account
 * client (src/services/account.ts) with this worker's /account/callback as redirect_uri; the login
 * leaves the SSO cookie, and the callback burns the (unredeemable) code and returns to the page the
 * visitor asked for — only a relative /account path, sealed in `state`, so there is no open redirect.
 *
 * Step-up (NIST SP 800-63B §4.2.3): adding or removing a method, regenerating recovery codes and
 * registering or deleting a passkey need a trustToken from /account/confirm, a challenge run through
 * the user's UserGuard (the same one as the API and the hosted login) naming that one action; the
 * token travels in a sealed HttpOnly cookie for at most 5 minutes and the UserGuard consumes it once
 * (src/services/step-up.ts requireFreshStepUp). A user with no second factor yet adds the first one
 * with the SSO session alone: there is nothing to step up with.
 *
 * Every form carries the hosted login's CSRF token (cookie scoped to /account); every page has the
 * hosted login's CSP and security headers.
 */
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import type { JSX } from "hono/jsx/jsx-runtime";
import { base64UrlEncode } from "../domain/encoding.ts";
import type { EdgeEvent } from "../domain/events.ts";
import { clientIpBucket } from "../domain/client-ip.ts";
import { stepUpChallenge, type StepUpAction } from "../domain/step-up.ts";
import { buildOtpauthURI } from "../domain/totp.ts";
import { describeUserAgent } from "../domain/user-agent.ts";
import type { CredentialJSON } from "../domain/webauthn-policy.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { requestFacts } from "../http/request-info.ts";
import { MessagePage } from "../pages/misc.tsx";
import {
  ACCOUNT_CSS,
  ACCOUNT_PASSKEY_JS,
  ActionPage,
  AuthenticatorPage,
  CodesPage,
  ConfirmPage,
  OobPage,
  OverviewPage,
  PasskeysPage,
  TopNav,
  type AddMethod,
  type PasskeyItem,
} from "../pages/account/pages.tsx";
import {
  accountClientId,
  accountSession,
  ensureAccountClient,
  heldProof,
  PROOF_TTL_SECONDS,
  recentEvents,
  sealProof,
  tenantFor,
  type AccountSession,
} from "../services/account.ts";
import { startTwoFactor } from "../services/two-factor-start.ts";
import { completeTwoFactor } from "../services/complete-two-factor.ts";
import { seal, unseal } from "../services/hosted-login.ts";
import { consumeAuthorizationCode } from "../services/oauth/grants.ts";
import { enableOobMethod } from "../services/oob-methods.ts";
import { sendChallengeCode, sendMethodCode } from "../services/oob-send.ts";
import { completeRegistration, startRegistration } from "../services/passkey-registration.ts";
import {
  challengeWebAuthn,
  deletePasskey,
  getCredential,
  relyingParty,
  renamePasskey,
  secondFactorPasskeys,
} from "../services/passkeys.ts";
import { requireFreshStepUp } from "../services/step-up.ts";
import { activeMethods, configurableMethods } from "../services/tenant-context.ts";
import { enableMethod, offerSecret, regenerateRecoveryCodes, removeMethods } from "../services/two-factor.ts";
import type { MethodRow, PasskeyRow } from "../services/users.ts";
import { startAuthentication } from "../services/webauthn.ts";
import {
  clearHostedCookie,
  csrfFor,
  csrfOk,
  CSRF_FIELD,
  readParams,
  redirectTo,
  renderPage,
  setHostedCookie,
  SSO_COOKIE,
  type PageOptions,
  type Params,
} from "./hosted-http.tsx";
import { qrSvg } from "./hosted-two-factor-enable.tsx";
import { assertionCredential, registrationCredential } from "./webauthn.ts";

type Ctx = Context<AppEnv>;

const BASE = "/account";
const PROOF_COOKIE = "edgemfa.stepup";
/** The pages a sign-in or a step-up may return to (relative, fixed: never a URL from the query as such). */
const RETURN_PATHS = [
  "/account",
  "/account/authenticator",
  "/account/email",
  "/account/sms",
  "/account/recovery-codes",
  "/account/passkeys",
  "/account/remove",
] as const;

function safeReturn(path: string | undefined): string {
  if (!path) return BASE;
  const [p, q] = path.split("?", 2) as [string, string | undefined];
  if (!(RETURN_PATHS as readonly string[]).includes(p)) return BASE;
  // The one query a return path may carry: the method id of /account/remove.
  const methodId = q ? new URLSearchParams(q).get("methodId") : null;
  return methodId && /^[A-Za-z0-9]{1,16}$/.test(methodId) ? `${p}?methodId=${methodId}` : p;
}

/** The account actions that need a step-up, by the short name the pages use. */
const ACTIONS: Record<string, { action: StepUpAction; purpose: string }> = {
  add: { action: "mfa:add-method", purpose: "add a two-factor method" },
  remove: { action: "mfa:remove-method", purpose: "remove a two-factor method" },
  codes: { action: "mfa:regenerate-recovery-codes", purpose: "create new recovery codes" },
  "passkey-register": { action: "passkey:register", purpose: "add a passkey" },
  "passkey-delete": { action: "passkey:delete", purpose: "delete a passkey" },
};

function info(c: Ctx) {
  return requestFacts(c).info;
}

async function page(c: Ctx, body: JSX.Element, heading: string, extra: Partial<PageOptions> = {}): Promise<Response> {
  return renderPage(c, body, { heading, title: `${heading} | Account`, extraCss: ACCOUNT_CSS, ...extra });
}

function nav(a: AccountSession): JSX.Element {
  return <TopNav email={a.loaded.user.email} logoutHref={`/account/logout`} />;
}

function csrf(c: Ctx): Promise<string> {
  return csrfFor(c, BASE);
}

/** The session, or the redirect to sign in (GET) / a 403 (POST: a form from a session that ended). */
async function signedIn(c: Ctx, returnTo: string): Promise<AccountSession | Response> {
  const a = await accountSession(c.var.services, getCookie(c, SSO_COOKIE));
  if (a) return a;
  if (c.req.method !== "GET")
    return page(c, <MessagePage error="Your session has ended. Please sign in again." />, "Signed out", {
      status: 403,
    });
  const q = new URL(c.req.url).searchParams;
  const login = new URLSearchParams({ return: safeReturn(returnTo) });
  for (const k of ["tenantId", "client_id"]) {
    const v = q.get(k);
    if (v) login.set(k, v);
  }
  return redirectTo(c, `/account/login?${login}`);
}

/** A POST: CSRF first (nothing read or counted without it), then the session. */
async function posted(c: Ctx): Promise<{ a: AccountSession; p: Params } | Response> {
  const p = await readParams(c);
  if (!(await csrfOk(c, p)))
    return page(
      c,
      <MessagePage error="This form has expired. Please start again." link={{ href: BASE, text: "Back" }} />,
      "Error",
      {
        status: 403,
      },
    );
  const a = await signedIn(c, BASE);
  if (a instanceof Response) return a;
  return { a, p };
}

function hasSecondFactor(a: AccountSession): boolean {
  return a.loaded.methods.length > 0 || a.loaded.passkeys.length > 0;
}

function toConfirm(c: Ctx, short: string, next: string): Response {
  return redirectTo(c, `/account/confirm?${new URLSearchParams({ action: short, next: safeReturn(next) })}`);
}

/**
 * Consumes the held step-up proof for `short` (the UserGuard's single-use check), clearing the
 * cookie; null when it passed, else the redirect to the confirmation page.
 */
async function consumeProof(c: Ctx, a: AccountSession, short: string, next: string): Promise<Response | null> {
  const s = c.var.services;
  const action = ACTIONS[short]!.action;
  const token = await heldProof(s, getCookie(c, PROOF_COOKIE), a.session, action);
  if (hasSecondFactor(a)) clearHostedCookie(c, PROOF_COOKIE, BASE);
  try {
    await requireFreshStepUp(s, a.ctx, a.loaded, [action], token);
    return null;
  } catch (e) {
    if (e instanceof ApiError && e.kind === "validation") return toConfirm(c, short, next);
    if (e instanceof ApiError && e.kind === "locked")
      return page(c, <MessagePage error="Your account is locked." />, "Locked", { status: 409 });
    throw e;
  }
}

/** Before showing an enrolment page: a held proof (not yet consumed) for adding, unless this is the first factor. */
async function proofReady(c: Ctx, a: AccountSession, short: string): Promise<boolean> {
  if (!hasSecondFactor(a)) return true;
  return (await heldProof(c.var.services, getCookie(c, PROOF_COOKIE), a.session, ACTIONS[short]!.action)) !== null;
}

// ---- Labels -----------------------------------------------------------------------------------

function when(seconds: number | null): string {
  if (!seconds) return "never";
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function methodLabel(m: MethodRow): string {
  if (m.method === "authenticator") return m.name ? `Authenticator app (${m.name})` : "Authenticator app";
  if (m.method === "email") return `Email: ${m.email ?? ""}`;
  return `Text message: ${m.mobilePhone ?? ""}`;
}

function passkeyItem(k: PasskeyRow): PasskeyItem {
  return {
    id: k.id,
    name: k.name ?? "Passkey",
    detail: `added ${when(k.createdAt)} · last used ${when(k.lastUsedAt ?? null)}`,
  };
}

const EVENT_LABELS: Record<string, string> = {
  "user.login.success": "Signed in",
  "user.login.failed": "Failed sign-in",
  "user.login.new-device": "Sign-in from a new device",
  "user.login.suspicious": "Suspicious sign-in",
  "user.two-factor.method.add": "Two-factor method added",
  "user.two-factor.method.remove": "Two-factor method removed",
  "user.two-factor.failed-attempt": "Wrong two-factor code",
  "user.two-factor.success": "Second factor verified",
  "user.two-factor.recovery-code.used": "Recovery code used",
  "user.two-factor.recovery-codes.regenerated": "Recovery codes regenerated",
  "user.update": "Account updated",
  "user.email.update": "Email changed",
  "user.password.update": "Password changed",
  "user.action": "Account locked or unlocked",
};

function place(loc: { city?: string; country?: string; displayString?: string } | undefined, ip?: string): string {
  const named = loc?.displayString ?? [loc?.city, loc?.country].filter(Boolean).join(", ");
  return named || ip || "unknown place";
}

function eventItem(e: EdgeEvent) {
  return {
    what: EVENT_LABELS[e.type] ?? e.type,
    when: when(Math.floor(e.createInstant / 1000)),
    place: place(e.info?.location, e.info?.ipAddress),
    device: describeUserAgent(e.info?.userAgent ?? null).display,
  };
}

// ---- Routes -------------------------------------------------------------------------------------

export const accountRoutes = new Hono<AppEnv>();

accountRoutes.get("/", async (c) => {
  const a = await signedIn(c, BASE);
  if (a instanceof Response) return a;
  const s = c.var.services;
  const tenantId = a.ctx.tenant.id;
  const userId = a.loaded.user.id;
  const [trusts, evs] = await Promise.all([
    s.guard(tenantId, userId).listTrusts(s.now()),
    recentEvents(s, tenantId, userId),
  ]);
  const labels: Record<AddMethod, string> = {
    authenticator: "Add an authenticator app",
    email: "Add email",
    sms: "Add text message (SMS)",
  };
  const addable = (configurableMethods(a.ctx.settings) as AddMethod[]).map((m) => ({
    href: `/account/${m}`,
    label: labels[m],
  }));
  const notices: Record<string, string> = {
    added: "The method was added.",
    removed: "The method was removed.",
    revoked: "Trusted devices revoked.",
  };
  const done = c.req.query("done");
  return page(
    c,
    <OverviewPage
      nav={nav(a)}
      csrf={await csrf(c)}
      info={done && Object.hasOwn(notices, done) ? notices[done] : null}
      methods={a.loaded.methods.map((m) => ({
        id: m.id,
        label: methodLabel(m),
        detail: `added ${when(m.createdAt)} · last used ${when(m.lastUsedAt)}`,
      }))}
      addable={addable}
      recoveryCodes={a.loaded.unusedRecoveryCodes}
      passkeys={relyingParty(a.ctx.settings) ? a.loaded.passkeys.map(passkeyItem) : null}
      devices={trusts.map((t) => ({
        ref: t.ref,
        device: describeUserAgent(t.userAgent ?? null).display,
        place: place(
          t.country ? { city: t.city ?? undefined, country: t.country } : undefined,
          t.ipAddress ?? undefined,
        ),
        until: when(t.expiration),
      }))}
      events={evs.map(eventItem)}
    />,
    "Security",
  );
});

// ---- Sign-in through the hosted login ----------------------------------------------------------

accountRoutes.get("/login", async (c) => {
  const s = c.var.services;
  const q = await readParams(c);
  const tenantId = await tenantFor(s, { tenantId: q.tenantId, clientId: q.client_id });
  if (!tenantId)
    return page(
      c,
      <MessagePage error="Open this page from the link in your application (it names your organisation)." />,
      "Account",
      { status: 400 },
    );
  const origin = new URL(c.req.url).origin;
  const callback = `${origin}/account/callback`;
  const clientId = await ensureAccountClient(s, tenantId, callback);
  // The code this login issues is never redeemed (no one holds the client secret); PKCE is still sent.
  const state = await seal(s, "account-return", safeReturn(q.return), s.now() + 3600);
  const authorize = new URLSearchParams({
    client_id: clientId,
    redirect_uri: callback,
    response_type: "code",
    scope: "openid",
    state,
    code_challenge: base64UrlEncode(s.random(32)),
    code_challenge_method: "S256",
  });
  return redirectTo(c, `/oauth2/authorize?${authorize}`);
});

accountRoutes.get("/callback", async (c) => {
  const s = c.var.services;
  const q = await readParams(c);
  // Burn the code: nothing redeems it, and a live code should not wait in a browser history.
  if (q.code) await consumeAuthorizationCode(s, q.code);
  const back = safeReturn((await unseal<string>(s, "account-return", q.state)) ?? BASE);
  const a = await accountSession(s, getCookie(c, SSO_COOKIE));
  if (!a)
    return page(
      c,
      <MessagePage error="The sign-in did not complete. Please try again." link={{ href: BASE, text: "Try again" }} />,
      "Account",
      { status: 400 },
    );
  return redirectTo(c, back);
});

accountRoutes.get("/logout", async (c) => {
  const a = await accountSession(c.var.services, getCookie(c, SSO_COOKIE));
  if (!a) return redirectTo(c, BASE);
  return redirectTo(c, `/oauth2/logout?client_id=${await accountClientId(a.ctx.tenant.id)}`);
});

// ---- Step-up ------------------------------------------------------------------------------------

type Pending = { f: string; sid: string; short: string; next: string };

async function confirmPage(
  c: Ctx,
  a: AccountSession,
  pending: Pending,
  opts: { codeError?: string; error?: string; info?: string; status?: number } = {},
): Promise<Response> {
  const s = c.var.services;
  const settings = a.ctx.settings;
  let passkeyOptions: string | null = null;
  if (secondFactorPasskeys(a.loaded, settings).length > 0 && challengeWebAuthn(settings)) {
    try {
      passkeyOptions = JSON.stringify((await startAuthentication(s, a.ctx, { twoFactorId: pending.f })).options);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
  const sealed = await seal(s, "account-confirm", pending, s.now() + PROOF_TTL_SECONDS);
  return page(
    c,
    <ConfirmPage
      nav={nav(a)}
      hidden={[
        ["pending", sealed],
        [CSRF_FIELD, await csrf(c)],
      ]}
      purpose={ACTIONS[pending.short]!.purpose}
      oob={activeMethods(a.loaded.methods, settings)
        .filter((m) => m.method !== "authenticator")
        .map((m) => ({ id: m.id, label: methodLabel(m) }))}
      passkeyOptions={passkeyOptions}
      {...opts}
    />,
    "Confirm it's you",
    { status: opts.status ?? 200, scriptSelf: passkeyOptions !== null },
  );
}

accountRoutes.get("/confirm", async (c) => {
  const a = await signedIn(c, BASE);
  if (a instanceof Response) return a;
  const short = c.req.query("action") ?? "";
  const next = safeReturn(c.req.query("next"));
  if (!Object.hasOwn(ACTIONS, short)) return redirectTo(c, BASE);
  if (!hasSecondFactor(a)) return redirectTo(c, next);
  const s = c.var.services;
  let twoFactorId: string;
  try {
    // The API's step-up start: a challenge in the user's UserGuard naming the one action. Its
    // returned code (for an application to deliver itself) is dropped: the user answers with a factor.
    const started = await startTwoFactor(s, a.ctx, {
      userId: a.loaded.user.id,
      trustChallenge: stepUpChallenge([ACTIONS[short]!.action]),
    });
    twoFactorId = started.twoFactorId;
  } catch (e) {
    if (e instanceof ApiError && e.kind === "locked")
      return page(c, <MessagePage error="Your account is locked." />, "Locked", { status: 409 });
    throw e;
  }
  return confirmPage(c, a, { f: twoFactorId, sid: a.session.sid, short, next });
});

accountRoutes.post("/confirm", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const s = c.var.services;
  const pending = await unseal<Pending>(s, "account-confirm", p.pending);
  if (!pending || pending.sid !== a.session.sid || !Object.hasOwn(ACTIONS, pending.short)) return redirectTo(c, BASE);
  if (p.send) {
    const target = activeMethods(a.loaded.methods, a.ctx.settings).find(
      (m) => m.id === p.send && m.method !== "authenticator",
    );
    if (!target) return confirmPage(c, a, pending, { error: "Choose one of your methods." });
    try {
      await sendChallengeCode(s, {
        twoFactorId: pending.f,
        methodId: target.id,
        headerTenantId: a.ctx.tenant.id,
        clientIp: clientIpBucket(c.req.header("cf-connecting-ip")),
      });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return confirmPage(c, a, pending, {
        error:
          e.kind === "rate_limited"
            ? "A code was sent a moment ago. Please wait before requesting another one."
            : "The code could not be sent. Please start again.",
      });
    }
    return confirmPage(c, a, pending, { info: "Code sent." });
  }
  let credential: CredentialJSON | undefined;
  if (p.credential) {
    try {
      const parsed = assertionCredential.safeParse(JSON.parse(p.credential));
      credential = parsed.success ? (parsed.data as CredentialJSON) : undefined;
    } catch {
      credential = undefined;
    }
    if (!credential) return confirmPage(c, a, pending, { error: "The passkey could not be verified." });
  }
  const code = (p.code ?? "").trim();
  if (!credential && (!code || code.length > 64)) return confirmPage(c, a, pending, { codeError: "Invalid code" });
  let out: Awaited<ReturnType<typeof completeTwoFactor>>;
  try {
    out = await completeTwoFactor(
      s,
      { twoFactorId: pending.f, ...(credential ? { webauthn: credential } : { code }), noJWT: true, info: info(c) },
      a.ctx.tenant.id,
    );
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.kind === "invalid_code" || e.kind === "validation")
      return confirmPage(c, a, pending, { codeError: "Invalid code" });
    if (e.kind === "locked") return page(c, <MessagePage error="Your account is locked." />, "Locked", { status: 409 });
    return toConfirm(c, pending.short, pending.next);
  }
  const token = out.body.trustToken;
  if ((out.body.user as { id?: string } | undefined)?.id !== a.loaded.user.id || typeof token !== "string")
    return redirectTo(c, BASE);
  const held = await sealProof(s, { sid: a.session.sid, action: ACTIONS[pending.short]!.action, token });
  setHostedCookie(c, PROOF_COOKIE, held, { path: BASE, maxAge: PROOF_TTL_SECONDS });
  return redirectTo(c, pending.next);
});

// ---- Adding a method ----------------------------------------------------------------------------

const BASE32 = /^[A-Z2-7]{16,128}$/;

async function authenticatorPage(
  c: Ctx,
  a: AccountSession,
  secretBase32: string | null,
  opts: { codeError?: string; error?: string; status?: number } = {},
) {
  const settings = a.ctx.settings;
  const account = a.loaded.user.email ?? a.loaded.user.username ?? a.loaded.user.id;
  const secret =
    secretBase32 && BASE32.test(secretBase32)
      ? secretBase32
      : offerSecret(c.var.services, settings.issuer, account).secretBase32Encoded;
  return page(
    c,
    <AuthenticatorPage
      nav={nav(a)}
      hidden={[[CSRF_FIELD, await csrf(c)]]}
      qrSvg={qrSvg(buildOtpauthURI({ issuer: settings.issuer, account, secretBase32: secret }))}
      secretBase32={secret}
      {...opts}
    />,
    "Add an authenticator app",
    { status: opts.status ?? 200 },
  );
}

function enabled(a: AccountSession, method: AddMethod): boolean {
  return configurableMethods(a.ctx.settings).includes(method);
}

accountRoutes.get("/authenticator", async (c) => {
  const a = await signedIn(c, "/account/authenticator");
  if (a instanceof Response) return a;
  if (!enabled(a, "authenticator")) return redirectTo(c, BASE);
  if (!(await proofReady(c, a, "add"))) return toConfirm(c, "add", "/account/authenticator");
  return authenticatorPage(c, a, null);
});

/** After a first method: its recovery codes (shown once); else back to the overview. */
async function afterAdd(c: Ctx, a: AccountSession, out: Record<string, unknown>): Promise<Response> {
  const codes = Array.isArray(out.recoveryCodes) ? (out.recoveryCodes as string[]) : [];
  if (codes.length) return page(c, <CodesPage nav={nav(a)} codes={codes} />, "Recovery codes");
  return redirectTo(c, "/account?done=added");
}

accountRoutes.post("/authenticator", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  if (!enabled(a, "authenticator")) return redirectTo(c, BASE);
  const secretBase32 = p.secretBase32Encoded ?? "";
  const code = (p.code ?? "").trim();
  if (!BASE32.test(secretBase32)) return authenticatorPage(c, a, null, { error: "Please start again." });
  if (!/^[0-9]{6,8}$/.test(code)) return authenticatorPage(c, a, secretBase32, { codeError: "Invalid code" });
  const refused = await consumeProof(c, a, "add", "/account/authenticator");
  if (refused) return refused;
  const name = (p.name ?? "").trim().slice(0, 100);
  let out: Record<string, unknown>;
  try {
    out = await enableMethod(c.var.services, a.ctx, a.loaded.user.id, {
      method: "authenticator",
      code,
      secretBase32Encoded: secretBase32,
      ...(name ? { name } : {}),
      info: info(c),
    });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.kind === "locked") return page(c, <MessagePage error="Your account is locked." />, "Locked", { status: 409 });
    // The step-up was spent on this attempt: a retry confirms again (single use, as the API).
    const retry = hasSecondFactor(a) ? " Confirm it's you again to retry." : "";
    return authenticatorPage(c, a, secretBase32, { codeError: `Invalid code.${retry}` });
  }
  return afterAdd(c, a, out);
});

async function oobPage(
  c: Ctx,
  a: AccountSession,
  method: "email" | "sms",
  value: string,
  opts: { sent?: boolean; codeError?: string; error?: string; info?: string } = {},
) {
  return page(
    c,
    <OobPage
      nav={nav(a)}
      hidden={[[CSRF_FIELD, await csrf(c)]]}
      method={method}
      value={value}
      sent={opts.sent ?? false}
      codeError={opts.codeError}
      error={opts.error}
      info={opts.info}
    />,
    method === "email" ? "Add email" : "Add text message (SMS)",
  );
}

for (const method of ["email", "sms"] as const) {
  const path = `/${method}`;
  accountRoutes.get(path, async (c) => {
    const a = await signedIn(c, `/account/${method}`);
    if (a instanceof Response) return a;
    if (!enabled(a, method)) return redirectTo(c, BASE);
    if (!(await proofReady(c, a, "add"))) return toConfirm(c, "add", `/account/${method}`);
    return oobPage(c, a, method, method === "email" ? (a.loaded.user.email ?? "") : "");
  });

  accountRoutes.post(path, async (c) => {
    const r = await posted(c);
    if (r instanceof Response) return r;
    const { a, p } = r;
    if (!enabled(a, method)) return redirectTo(c, BASE);
    const s = c.var.services;
    const value = ((method === "email" ? p.email : p.mobilePhone) ?? "").trim().slice(0, 320);
    const dest = method === "email" ? { email: value } : { mobilePhone: value };
    if (p.action === "send") {
      try {
        await sendMethodCode(s, a.ctx, { userId: a.loaded.user.id, method, ...dest });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        return oobPage(c, a, method, value, {
          error:
            e.kind === "rate_limited"
              ? "A code was sent a moment ago. Please wait before requesting another one."
              : "The code could not be sent. Check the address and try again.",
        });
      }
      return oobPage(c, a, method, value, { sent: true, info: "Code sent." });
    }
    const code = (p.code ?? "").trim();
    if (!/^[0-9]{4,10}$/.test(code)) return oobPage(c, a, method, value, { sent: true, codeError: "Invalid code" });
    const refused = await consumeProof(c, a, "add", `/account/${method}`);
    if (refused) return refused;
    let out: Record<string, unknown>;
    try {
      out = await enableOobMethod(s, a.ctx, a.loaded.user.id, { method, code, ...dest, info: info(c) });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.kind === "locked")
        return page(c, <MessagePage error="Your account is locked." />, "Locked", { status: 409 });
      return oobPage(c, a, method, value, { sent: true, codeError: "Invalid code" });
    }
    return afterAdd(c, a, out);
  });
}

// ---- Removing a method, recovery codes, trusted devices -----------------------------------------

function ownMethod(a: AccountSession, id: string | undefined): MethodRow | null {
  return a.loaded.methods.find((m) => m.id === id) ?? null;
}

function notFound(c: Ctx): Promise<Response> {
  return page(c, <MessagePage error="Not found." link={{ href: BASE, text: "Back" }} />, "Not found", {
    status: 404,
  });
}

accountRoutes.get("/remove", async (c) => {
  const methodId = c.req.query("methodId") ?? "";
  const a = await signedIn(c, `/account/remove?methodId=${encodeURIComponent(methodId)}`);
  if (a instanceof Response) return a;
  const m = ownMethod(a, methodId);
  if (!m) return notFound(c);
  const last = a.loaded.methods.length === 1;
  return page(
    c,
    <ActionPage
      nav={nav(a)}
      formId="remove-form"
      action="/account/remove"
      hidden={[
        ["methodId", m.id],
        [CSRF_FIELD, await csrf(c)],
      ]}
      text={`Remove ${methodLabel(m)}?${last ? " It is your last method: your recovery codes go with it." : ""}`}
      button="Remove"
      danger
    />,
    "Remove a method",
  );
});

accountRoutes.post("/remove", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const m = ownMethod(a, p.methodId);
  // Another user's method id (or none) names nothing here: the same answer as a missing one.
  if (!m) return notFound(c);
  const refused = await consumeProof(c, a, "remove", `/account/remove?methodId=${m.id}`);
  if (refused) return refused;
  await removeMethods(c.var.services, a.ctx, a.loaded, [m.id], info(c));
  return redirectTo(c, "/account?done=removed");
});

accountRoutes.get("/recovery-codes", async (c) => {
  const a = await signedIn(c, "/account/recovery-codes");
  if (a instanceof Response) return a;
  if (a.loaded.methods.length === 0) return redirectTo(c, BASE);
  return page(
    c,
    <ActionPage
      nav={nav(a)}
      formId="regenerate-form"
      action="/account/recovery-codes"
      hidden={[[CSRF_FIELD, await csrf(c)]]}
      text={`You have ${a.loaded.unusedRecoveryCodes} recovery codes left. New codes replace all of them.`}
      button="Create new recovery codes"
    />,
    "Recovery codes",
  );
});

accountRoutes.post("/recovery-codes", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a } = r;
  if (a.loaded.methods.length === 0) return redirectTo(c, BASE);
  const refused = await consumeProof(c, a, "codes", "/account/recovery-codes");
  if (refused) return refused;
  const codes = await regenerateRecoveryCodes(c.var.services, a.ctx, a.loaded.user.id, info(c));
  return page(c, <CodesPage nav={nav(a)} codes={codes} />, "Recovery codes");
});

accountRoutes.post("/revoke-device", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const ref = p.ref ?? "";
  if (ref !== "all" && !/^[0-9a-f]{24}$/.test(ref)) return notFound(c);
  // The UserGuard call of DELETE /api/user/two-factor/trust/{userId}: only this user's trusts.
  await c.var.services.guard(a.ctx.tenant.id, a.loaded.user.id).revokeTrusts(ref === "all" ? null : ref);
  return redirectTo(c, "/account?done=revoked");
});

// ---- Passkeys -------------------------------------------------------------------------------------

async function passkeysPage(
  c: Ctx,
  a: AccountSession,
  opts: { creation?: string | null; error?: string; info?: string; status?: number } = {},
): Promise<Response> {
  return page(
    c,
    <PasskeysPage
      nav={nav(a)}
      csrf={await csrf(c)}
      passkeys={a.loaded.passkeys.map(passkeyItem)}
      creation={opts.creation ?? null}
      error={opts.error}
      info={opts.info}
    />,
    "Passkeys",
    { status: opts.status ?? 200, scriptSelf: Boolean(opts.creation) },
  );
}

accountRoutes.get("/passkeys", async (c) => {
  const a = await signedIn(c, "/account/passkeys");
  if (a instanceof Response) return a;
  if (!relyingParty(a.ctx.settings)) return redirectTo(c, BASE);
  const notices: Record<string, string> = {
    added: "Passkey added.",
    deleted: "Passkey deleted.",
    renamed: "Passkey renamed.",
  };
  const done = c.req.query("done");
  return passkeysPage(c, a, { info: done && Object.hasOwn(notices, done) ? notices[done] : undefined });
});

accountRoutes.post("/passkey-register", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const refused = await consumeProof(c, a, "passkey-register", "/account/passkeys");
  if (refused) return refused;
  const name = (p.name ?? "").trim().slice(0, 100);
  let options: unknown;
  try {
    const user = a.loaded.user;
    ({ options } = await startRegistration(c.var.services, a.ctx, {
      userId: user.id,
      displayName: user.email ?? user.username ?? "Account",
      ...(name ? { name } : {}),
      userAgent: c.req.header("user-agent")?.slice(0, 512),
      workflow: "general",
    }));
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return passkeysPage(c, a, { error: "Passkeys cannot be added here.", status: 400 });
  }
  return passkeysPage(c, a, { creation: JSON.stringify(options) });
});

accountRoutes.post("/passkey-complete", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  let credential: CredentialJSON | null = null;
  try {
    const parsed = registrationCredential.safeParse(JSON.parse(p.credential ?? ""));
    credential = parsed.success ? (parsed.data as unknown as CredentialJSON) : null;
  } catch {
    credential = null;
  }
  if (!credential) return passkeysPage(c, a, { error: "The passkey could not be added.", status: 400 });
  try {
    // The registration ceremony was started (behind the step-up) for this user; its challenge is single use.
    await completeRegistration(c.var.services, a.ctx, {
      userId: a.loaded.user.id,
      origin: new URL(c.req.url).origin,
      credential,
      info: info(c),
    });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return passkeysPage(c, a, { error: "The passkey could not be added.", status: 400 });
  }
  return redirectTo(c, "/account/passkeys?done=added");
});

async function ownPasskey(c: Ctx, a: AccountSession, id: string | undefined): Promise<PasskeyRow | null> {
  if (!id || !/^[0-9a-f-]{36}$/.test(id)) return null;
  const row = await getCredential(c.var.services, a.ctx.tenant.id, id);
  return row && row.userId === a.loaded.user.id ? row : null;
}

accountRoutes.post("/passkey-rename", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const row = await ownPasskey(c, a, p.id);
  const name = (p.name ?? "").trim();
  if (!row) return notFound(c);
  if (!name || name.length > 100) return passkeysPage(c, a, { error: "Enter a name of 1 to 100 characters." });
  await renamePasskey(c.var.services, a.ctx.tenant.id, a.loaded.user.id, row.id, name);
  return redirectTo(c, "/account/passkeys?done=renamed");
});

accountRoutes.post("/passkey-delete", async (c) => {
  const r = await posted(c);
  if (r instanceof Response) return r;
  const { a, p } = r;
  const row = await ownPasskey(c, a, p.id);
  if (!row) return notFound(c);
  const refused = await consumeProof(c, a, "passkey-delete", "/account/passkeys");
  if (refused) return refused;
  await deletePasskey(c.var.services, row, info(c));
  return redirectTo(c, "/account/passkeys?done=deleted");
});

accountRoutes.get("/passkey.js", (c) =>
  c.body(ACCOUNT_PASSKEY_JS, 200, {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": "public, max-age=300",
    "x-content-type-options": "nosniff",
  }),
);
