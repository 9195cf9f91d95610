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
 *
 * This module holds the overview, sign-in and trusted devices; the shared helpers are in
 * account-shared.tsx and the other pages in account-{confirm,methods,recovery,passkeys}.tsx.
 */
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { base64UrlEncode } from "../domain/encoding.ts";
import { describeUserAgent } from "../domain/user-agent.ts";
import type { AppEnv } from "../env.ts";
import { MessagePage } from "../pages/misc.tsx";
import { OverviewPage } from "../pages/account/overview.tsx";
import { accountClientId, accountSession, ensureAccountClient, recentEvents, tenantFor } from "../services/account.ts";
import { seal, unseal } from "../services/hosted-login.ts";
import { consumeAuthorizationCode } from "../services/oauth/grants.ts";
import { relyingParty } from "../services/passkeys.ts";
import { configurableFactors } from "../factors/registry.ts";
import { readParams, redirectTo, SSO_COOKIE } from "./hosted-http.tsx";
import {
  BASE,
  safeReturn,
  page,
  nav,
  notFound,
  csrf,
  signedIn,
  posted,
  when,
  methodLabel,
  passkeyItem,
  place,
  eventItem,
} from "./account-shared.tsx";
import { confirmRoutes } from "./account-confirm.tsx";
import { methodRoutes } from "./account-methods.tsx";
import { passkeyRoutes } from "./account-passkeys.tsx";
import { recoveryRoutes } from "./account-recovery.tsx";

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
  const addable = configurableFactors(a.ctx.settings).map((f) => ({
    href: `/account/${f.wire}`,
    label: f.method.addTitle,
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

// ---- Trusted devices ----------------------------------------------------------------------------

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

// ---- Step-up confirm, methods, recovery codes and passkeys: their own modules ---------------------

accountRoutes.route("/", confirmRoutes);
accountRoutes.route("/", methodRoutes);
accountRoutes.route("/", recoveryRoutes);
accountRoutes.route("/", passkeyRoutes);
