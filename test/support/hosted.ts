/**
 * A minimal browser for the hosted pages: a cookie jar, form posts, redirects followed by hand, and
 * just enough HTML reading (regexes over the server's own markup) to find forms, inputs and text.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { app, call, PASSWORD, seedApplication, seedTenant } from "./mfa.ts";

export const ORIGIN = "http://edge-mfa.test";
export const REDIRECT_URI = "https://app.example/callback";
export const ISSUER = "https://issuer.example";

export type Page = { status: number; headers: Headers; html: string; location: string | null; setCookies: string[] };

export class Browser {
  readonly jar = new Map<string, string>();

  async request(method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { ...headers };
    if (this.jar.size) h.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    let body: string | undefined;
    if (form) {
      body = new URLSearchParams(form).toString();
      h["content-type"] = "application/x-www-form-urlencoded";
    }
    const url = path.startsWith("http") ? path : `${ORIGIN}${path}`;
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(url, { method, headers: h, body, redirect: "manual" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const setCookies = res.headers.getSetCookie();
    for (const sc of setCookies) {
      const [pair] = sc.split(";");
      const i = pair!.indexOf("=");
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (/max-age=0\b/i.test(sc) || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return {
      status: res.status,
      headers: res.headers,
      html: await res.text(),
      location: res.headers.get("location"),
      setCookies,
    } satisfies Page;
  }

  get(path: string) {
    return this.request("GET", path);
  }

  /** Submits the form `formId` of `page` with its hidden fields plus `fields`. */
  submit(page: Page, formId: string, fields: Record<string, string> = {}) {
    const form = formHtml(page.html, formId);
    const action = /action="([^"]*)"/.exec(form)?.[1] ?? "";
    return this.request("POST", unescapeHtml(action), { ...hiddenFields(form), ...fields });
  }
}

export function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export function formHtml(html: string, id: string): string {
  const start = html.indexOf(`<form id="${id}"`);
  if (start < 0) throw new Error(`no form #${id} in:\n${html}`);
  return html.slice(start, html.indexOf("</form>", start));
}

export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g))
    out[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return out;
}

/** The text of the element with `id` (no nesting), unescaped. */
export function textOf(html: string, id: string): string | null {
  const m = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html);
  return m ? unescapeHtml(m[1]!) : null;
}

/** Path + query of a same-site Location. */
export function local(location: string | null): string {
  if (!location) throw new Error("no Location");
  return location.startsWith("/") ? location : new URL(location).pathname + new URL(location).search;
}

export function query(location: string | null): URLSearchParams {
  return new URL(location!, ORIGIN).searchParams;
}

/** A tenant (issuer set, optional settings) and an OAuth application registered for REDIRECT_URI. */
export async function seedClient(
  tenantSettings: Record<string, unknown> = {},
  oauth: Record<string, unknown> = {},
  appSettings: Record<string, unknown> = {},
) {
  const { tenantId, key } = await seedTenant({ issuer: ISSUER, ...tenantSettings });
  const clientId = await seedApplication(tenantId, {
    oauthConfiguration: { authorizedRedirectURLs: [REDIRECT_URI], ...oauth },
    ...appSettings,
  });
  return { tenantId, key, clientId };
}

export function authorizePath(clientId: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    scope: "openid offline_access",
    state: "st-123",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
    ...extra,
  });
  return `/oauth2/authorize?${q}`;
}

/** The login page of a fresh authorize request, submitted with `loginId` and `password`. */
export async function password(
  b: Browser,
  clientId: string,
  loginId: string,
  pw = PASSWORD,
  extra: Record<string, string> = {},
) {
  const page = await b.get(authorizePath(clientId, extra));
  if (page.status !== 200) throw new Error(`login page: ${page.status}`);
  return b.submit(page, "login-form", { loginId, password: pw });
}

export { call };
