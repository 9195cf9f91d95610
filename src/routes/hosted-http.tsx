/**
 * What every hosted page shares: reading the carried OAuth parameters, the security headers
 * (CSP with hashes, frame-ancestors 'none', no-store, no-referrer), the CSRF cookie and token, the
 * cookies of the hosted login, request validation and the redirect back to the client.
 *
 * CSRF (OWASP synchroniser token, bound to the browser): a random `edgemfa.csrf` cookie (HttpOnly,
 * SameSite=Lax, Path=/oauth2) is set by the first page; every form carries
 * `csrf_token` = HMAC-SHA-256(pepper, cookie). A POST without both, or with a token for another
 * cookie, is refused with 403 before anything is read or counted. Another site can neither read
 * the cookie nor compute the token, so it can neither post a password to log a victim into its own
 * account (login CSRF) nor post a code.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { JSX } from "hono/jsx/jsx-runtime";
import {
  appendQuery,
  errorParams,
  normaliseClientId,
  validateAuthorizeRequest,
  type AuthorizeRequest,
  type OAuthError,
  type ResponseMode,
} from "../domain/authorize-request.ts";
import { sha256 } from "../domain/crypto.ts";
import { base64Encode, base64UrlEncode, utf8 } from "../domain/encoding.ts";
import type { AppEnv } from "../env.ts";
import { errorStatusOf, logUnexpected } from "../errors.ts";
import { Layout, pageCss } from "../pages/layout.tsx";
import { ErrorPage, FORM_POST_SCRIPT, FormPostPage, MessagePage } from "../pages/misc.tsx";
import { csrfToken, csrfValid, loadClient, type HostedClient } from "../services/hosted-login.ts";
import { completeTenantSettings, type LoginTheme } from "../settings.ts";

type Ctx = Context<AppEnv>;
/** The names of carried OAuth parameters that were sent but could not be kept (too long, malformed). */
export const UNREADABLE: unique symbol = Symbol("unreadable");
export type Params = Record<string, string> & { [UNREADABLE]?: string[] };

export const SSO_COOKIE = "fusionauth.sso";
export const TRUST_COOKIE = "fusionauth.trust";
export const CSRF_COOKIE = "edgemfa.csrf";
export const CSRF_FIELD = "csrf_token";

/** The OAuth parameters every page carries (FusionAuth's oauthHiddenFields, the ones edge-mfa uses). */
export const OAUTH_FIELDS = [
  "client_id",
  "code_challenge",
  "code_challenge_method",
  "login_hint",
  "max_age",
  "nonce",
  "prompt",
  "redirect_uri",
  "response_mode",
  "response_type",
  "scope",
  "state",
  "tenantId",
] as const;

const MAX_PARAM_CHARS = 4096;
const MAX_BODY_BYTES = 64 * 1024;

/**
 * GET: the query; POST: the form body. Only the first string value of each name; oversize values
 * dropped. A dropped or repeated OAuth parameter is remembered (UNREADABLE) so validation refuses the
 * request: dropping a code_challenge, state or nonce silently would unbind the code from what the
 * client sent.
 */
export async function readParams(c: Ctx): Promise<Params> {
  const out: Params = {};
  const unreadable = (k: string) => {
    if ((OAUTH_FIELDS as readonly string[]).includes(k) && !out[UNREADABLE]?.includes(k))
      out[UNREADABLE] = [...(out[UNREADABLE] ?? []), k];
  };
  const take = (k: string, v: unknown) => {
    // RFC 6749 §3.1: request parameters MUST NOT be included more than once.
    if (k in out) return unreadable(k);
    if (typeof v === "string" && v.length <= MAX_PARAM_CHARS && v.isWellFormed()) out[k] = v;
    else unreadable(k);
  };
  if (c.req.method === "GET") {
    for (const [k, v] of new URL(c.req.url).searchParams) take(k, v);
    return out;
  }
  // A login form is a few KiB: anything larger is read as an empty form (and then fails the CSRF check).
  if (Number(c.req.header("content-length") ?? "0") > MAX_BODY_BYTES) return out;
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) return out;
  const body = await c.req.parseBody({ all: true });
  for (const [k, v] of Object.entries(body)) for (const one of Array.isArray(v) ? v : [v]) take(k, one);
  return out;
}

/** The carried OAuth parameters present in `p`, in a stable order. */
export function oauthFields(p: Params): [string, string][] {
  return OAUTH_FIELDS.filter((k) => p[k] !== undefined).map((k) => [k, p[k]!]);
}

export function pagePath(path: string, fields: [string, string][]): string {
  return appendQuery(path, fields);
}

function isLocalhost(c: Ctx): boolean {
  const host = new URL(c.req.url).hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]";
}

/** Cookie attributes of the hosted login: HttpOnly, SameSite=Lax, Secure except on localhost (http dev). */
export function setHostedCookie(c: Ctx, name: string, value: string, opts: { path?: string; maxAge?: number } = {}) {
  setCookie(c, name, value, {
    path: opts.path ?? "/",
    httpOnly: true,
    secure: !isLocalhost(c),
    sameSite: "Lax",
    ...(opts.maxAge !== undefined ? { maxAge: opts.maxAge } : {}),
  });
}

export function clearHostedCookie(c: Ctx, name: string, path = "/") {
  deleteCookie(c, name, { path, httpOnly: true, secure: !isLocalhost(c), sameSite: "Lax" });
}

/** The CSRF token for this browser's forms; sets the cookie (scoped to `path`) on first use. */
export async function csrfFor(c: Ctx, path = "/oauth2"): Promise<string> {
  let cookie = getCookie(c, CSRF_COOKIE);
  if (!cookie || !/^[A-Za-z0-9_-]{43}$/.test(cookie)) {
    cookie = base64UrlEncode(c.var.services.random(32));
    setHostedCookie(c, CSRF_COOKIE, cookie, { path });
  }
  return csrfToken(c.var.services, cookie);
}

export function csrfOk(c: Ctx, p: Params): Promise<boolean> {
  return csrfValid(c.var.services, getCookie(c, CSRF_COOKIE), p[CSRF_FIELD]);
}

// ---- Rendering -----------------------------------------------------------------------------------

async function cspHash(text: string): Promise<string> {
  return `'sha256-${base64Encode(await sha256(utf8(text)))}'`;
}

/** The origin a CSP source list needs for `uri` (the scheme alone for a custom-scheme app URI). */
export function cspSource(uri: string): string | null {
  try {
    const u = new URL(uri);
    if (u.origin !== "null") return u.origin;
    return /^[a-z][a-z0-9+.-]*:$/i.test(u.protocol) ? u.protocol : null;
  } catch {
    return null;
  }
}

export const DEFAULT_THEME: LoginTheme = completeTenantSettings({}).loginTheme;

export type PageOptions = {
  status?: ContentfulStatusCode;
  heading: string;
  theme?: LoginTheme;
  /** Extra form-action sources: the client's redirect origin (a POST that answers 302 there, or form_post). */
  formActions?: (string | null)[];
  inlineScripts?: string[];
  scriptSelf?: boolean;
  frames?: (string | null)[];
  head?: JSX.Element;
  /** The document title (default FusionAuth's "Login | FusionAuth"). */
  title?: string;
  /** Rules appended to the page stylesheet (still one inline style, allowed by its hash). */
  extraCss?: string;
};

/** Security headers on every hosted response (pages and redirects). */
export function hostedHeaders(c: Ctx): void {
  c.header("Cache-Control", "no-store");
  c.header("Pragma", "no-cache");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  c.header("X-Content-Type-Options", "nosniff");
}

export async function renderPage(c: Ctx, body: JSX.Element, o: PageOptions): Promise<Response> {
  const theme = o.theme ?? DEFAULT_THEME;
  const css = pageCss(theme) + (o.extraCss ?? "");
  const logo = theme.logoURL ? cspSource(theme.logoURL) : null;
  const forms = ["'self'", ...new Set((o.formActions ?? []).filter((x): x is string => !!x))];
  const scripts = [...(o.scriptSelf ? ["'self'"] : []), ...(await Promise.all((o.inlineScripts ?? []).map(cspHash)))];
  const frames = [...new Set((o.frames ?? []).filter((x): x is string => !!x))];
  const csp = [
    "default-src 'none'",
    `style-src ${await cspHash(css)}`,
    `img-src 'self' data:${logo ? ` ${logo}` : ""}`,
    `form-action ${forms.join(" ")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    scripts.length ? `script-src ${scripts.join(" ")}` : null,
    frames.length ? `frame-src ${frames.join(" ")}` : null,
  ]
    .filter(Boolean)
    .join("; ");
  const doc = (
    <Layout theme={theme} heading={o.heading} css={css} head={o.head} title={o.title}>
      {body}
    </Layout>
  );
  hostedHeaders(c);
  c.header("Content-Security-Policy", csp);
  return c.html(`<!DOCTYPE html>${await doc.toString()}`, o.status ?? 200);
}

export function redirectTo(c: Ctx, location: string): Response {
  hostedHeaders(c);
  return c.redirect(location, 302);
}

export function themeOf(client: HostedClient | null): LoginTheme {
  return client?.ctx.settings.loginTheme ?? DEFAULT_THEME;
}

/** A rendered (never redirected) OAuth error: FusionAuth's error page, 400. */
export function renderError(c: Ctx, error: OAuthError, client: HostedClient | null): Promise<Response> {
  return renderPage(c, <ErrorPage error={error} />, { status: 400, heading: "Error", theme: themeOf(client) });
}

export function renderMessage(
  c: Ctx,
  status: ContentfulStatusCode,
  msg: { error?: string; info?: string; link?: { href: string; text: string } },
  client: HostedClient | null,
): Promise<Response> {
  return renderPage(c, <MessagePage {...msg} />, { status, heading: "Error", theme: themeOf(client) });
}

/** 403 for a form without a valid CSRF token: nothing was read or counted. */
export function refuseCsrf(c: Ctx, client: HostedClient | null, p: Params): Promise<Response> {
  return renderMessage(
    c,
    403,
    {
      error: "This form has expired. Please start again.",
      link: { href: pagePath("/oauth2/authorize", oauthFields(p)), text: "Return to login" },
    },
    client,
  );
}

/** The parameters back to the client: a 302 (query) or an auto-submitting form (form_post). */
export async function redirectBack(
  c: Ctx,
  to: { redirectUri: string; responseMode: ResponseMode },
  params: [string, string][],
  client: HostedClient | null,
): Promise<Response> {
  if (to.responseMode === "form_post")
    return renderPage(c, <FormPostPage action={to.redirectUri} fields={params} />, {
      heading: "Continue",
      theme: themeOf(client),
      formActions: [cspSource(to.redirectUri)],
      inlineScripts: [FORM_POST_SCRIPT],
    });
  return redirectTo(c, appendQuery(to.redirectUri, params));
}

export type Validated = { client: HostedClient; req: AuthorizeRequest; params: Params };

/** Validates the carried OAuth request; answers the rendered or redirected error itself. */
export async function validated(c: Ctx, params: Params): Promise<Validated | Response> {
  const client = await loadClient(c.var.services, normaliseClientId(params.client_id));
  const unreadable = params[UNREADABLE];
  // Rendered, never redirected: the state that a redirect must echo may be the parameter lost.
  if (unreadable?.length)
    return renderError(
      c,
      {
        error: "invalid_request",
        error_reason: "unknown",
        error_description: `The [${unreadable.join(", ")}] parameter is too long or malformed.`,
      },
      client,
    );
  const o = validateAuthorizeRequest(params, client?.authorize ?? null);
  if (o.kind === "render") return renderError(c, o.error, client);
  if (o.kind === "redirect")
    return redirectBack(c, o, errorParams(o.error, client!.ctx.settings.issuer, o.state), client);
  return { client: client!, req: o.request, params };
}

/** Redirects an error to the client of a validated request (prompt=none answers, registration_required …). */
export function redirectError(c: Ctx, v: Validated, error: OAuthError): Promise<Response> {
  return redirectBack(c, v.req, errorParams(error, v.client.ctx.settings.issuer, v.req.state), v.client);
}

/** Page options for a page of a validated request: its theme, and the client's origin for form-action. */
export function pageOpts(v: Validated, heading: string, extra: Partial<PageOptions> = {}): PageOptions {
  return {
    heading,
    theme: v.client.ctx.settings.loginTheme,
    ...extra,
    formActions: [cspSource(v.req.redirectUri), ...(extra.formActions ?? [])],
  };
}

/**
 * Errors no page handled: the status the API would answer (`errorStatusOf`; an unexpected error is
 * logged as the API logs it), answered as a generic page with the hosted headers. No detail reaches the browser.
 */
export async function hostedError(err: unknown, c: Ctx): Promise<Response> {
  logUnexpected(err, c);
  const status = errorStatusOf(err);
  const busy = status === 429 || status === 503;
  return renderMessage(
    c,
    status,
    {
      error: busy
        ? "The service is busy. Please wait a moment and try again."
        : "Something went wrong. Please try again.",
    },
    null,
  );
}
