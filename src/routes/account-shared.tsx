/**
 * Helpers shared by the /account pages (see account.tsx for the sign-in and step-up design):
 * the session check, CSRF token, page frame, step-up proof cookie and list formatting.
 */
import { methodFactor } from "../factors/registry.ts";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { EdgeEvent } from "../domain/events.ts";
import type { StepUpAction } from "../domain/step-up.ts";
import { describeUserAgent } from "../domain/user-agent.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { requestFacts } from "../http/request-info.ts";
import { MessagePage } from "../pages/misc.tsx";
import { ACCOUNT_CSS, TopNav, type PasskeyItem } from "../pages/account/shared.tsx";
import { accountSession, heldProof, type AccountSession } from "../services/account.ts";
import { requireFreshStepUp } from "../services/step-up.ts";
import type { MethodRow, PasskeyRow } from "../services/users.ts";
import {
  clearHostedCookie,
  csrfFor,
  csrfOk,
  readParams,
  redirectTo,
  renderPage,
  SSO_COOKIE,
  type PageOptions,
  type Params,
} from "./hosted-http.tsx";

export type Ctx = Context<AppEnv>;

export const BASE = "/account";
export const PROOF_COOKIE = "edgemfa.stepup";
/** The pages a sign-in or a step-up may return to (relative, fixed: never a URL from the query as such). */
export const RETURN_PATHS = [
  "/account",
  "/account/authenticator",
  "/account/email",
  "/account/sms",
  "/account/recovery-codes",
  "/account/passkeys",
  "/account/remove",
] as const;

export function safeReturn(path: string | undefined): string {
  if (!path) return BASE;
  const [p, q] = path.split("?", 2) as [string, string | undefined];
  if (!(RETURN_PATHS as readonly string[]).includes(p)) return BASE;
  // The one query a return path may carry: the method id of /account/remove.
  const methodId = q ? new URLSearchParams(q).get("methodId") : null;
  return methodId && /^[A-Za-z0-9]{1,16}$/.test(methodId) ? `${p}?methodId=${methodId}` : p;
}

/** The account actions that need a step-up, by the short name the pages use. */
export const ACTIONS: Record<string, { action: StepUpAction; purpose: string }> = {
  add: { action: "mfa:add-method", purpose: "add a two-factor method" },
  remove: { action: "mfa:remove-method", purpose: "remove a two-factor method" },
  codes: { action: "mfa:regenerate-recovery-codes", purpose: "create new recovery codes" },
  "passkey-register": { action: "passkey:register", purpose: "add a passkey" },
  "passkey-delete": { action: "passkey:delete", purpose: "delete a passkey" },
};

export function info(c: Ctx) {
  return requestFacts(c).info;
}

export async function page(
  c: Ctx,
  body: JSX.Element,
  heading: string,
  extra: Partial<PageOptions> = {},
): Promise<Response> {
  return renderPage(c, body, { heading, title: `${heading} | Account`, extraCss: ACCOUNT_CSS, ...extra });
}

export function nav(a: AccountSession): JSX.Element {
  return <TopNav email={a.loaded.user.email} logoutHref={`/account/logout`} />;
}

export function csrf(c: Ctx): Promise<string> {
  return csrfFor(c, BASE);
}

/** The session, or the redirect to sign in (GET) / a 403 (POST: a form from a session that ended). */
export async function signedIn(c: Ctx, returnTo: string): Promise<AccountSession | Response> {
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
export async function posted(c: Ctx): Promise<{ a: AccountSession; p: Params } | Response> {
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

export function hasSecondFactor(a: AccountSession): boolean {
  return a.loaded.methods.length > 0 || a.loaded.passkeys.length > 0;
}

export function toConfirm(c: Ctx, short: string, next: string): Response {
  return redirectTo(c, `/account/confirm?${new URLSearchParams({ action: short, next: safeReturn(next) })}`);
}

/**
 * Consumes the held step-up proof for `short` (the UserGuard's single-use check), clearing the
 * cookie; null when it passed, else the redirect to the confirmation page.
 */
export async function consumeProof(c: Ctx, a: AccountSession, short: string, next: string): Promise<Response | null> {
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
export async function proofReady(c: Ctx, a: AccountSession, short: string): Promise<boolean> {
  if (!hasSecondFactor(a)) return true;
  return (await heldProof(c.var.services, getCookie(c, PROOF_COOKIE), a.session, ACTIONS[short]!.action)) !== null;
}

// ---- Labels -----------------------------------------------------------------------------------

export function when(seconds: number | null): string {
  if (!seconds) return "never";
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function methodLabel(m: MethodRow): string {
  return methodFactor(m).method.accountLabel(m);
}

export function passkeyItem(k: PasskeyRow): PasskeyItem {
  return {
    id: k.id,
    name: k.name ?? "Passkey",
    detail: `added ${when(k.createdAt)} · last used ${when(k.lastUsedAt ?? null)}`,
  };
}

export const EVENT_LABELS: Record<string, string> = {
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

export function place(
  loc: { city?: string; country?: string; displayString?: string } | undefined,
  ip?: string,
): string {
  const named = loc?.displayString ?? [loc?.city, loc?.country].filter(Boolean).join(", ");
  return named || ip || "unknown place";
}

export function eventItem(e: EdgeEvent) {
  return {
    what: EVENT_LABELS[e.type] ?? e.type,
    when: when(Math.floor(e.createInstant / 1000)),
    place: place(e.info?.location, e.info?.ipAddress),
    device: describeUserAgent(e.info?.userAgent ?? null).display,
  };
}

export function notFound(c: Ctx): Promise<Response> {
  return page(c, <MessagePage error="Not found." link={{ href: BASE, text: "Back" }} />, "Not found", {
    status: 404,
  });
}
