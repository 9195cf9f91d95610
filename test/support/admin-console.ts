/**
 * Driving the admin console from workers tests: the bootstrap-key API, a signed-in admin with an
 * authenticator, the sign-in through the hosted login, and the session's CSRF token.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { ensureAdmin } from "../../scripts/lib/admin-setup.mjs";
import { ADMIN_APPLICATION_ID, SYSTEM_TENANT_ID } from "../../src/services/admin/console.ts";
import { Browser, ORIGIN, type Page } from "./hosted.ts";
import { call, nextStep, totp } from "./mfa.ts";

const BOOT = env.BOOTSTRAP_API_KEY;
export const api = async (method: string, path: string, opts: { tenantId?: string; body?: unknown } = {}) => {
  const r = await call(method, path, {
    key: BOOT,
    body: opts.body,
    headers: opts.tenantId ? { "x-fusionauth-tenantid": opts.tenantId } : {},
  });
  return { status: r.status, json: r.body, text: r.text };
};

/** A system-tenant user with an authenticator, registered to the admin application as given. */
export async function admin(opts: { tenantId?: string | null; roles?: string[] } = {}) {
  const email = `admin-${crypto.randomUUID()}@example.com`;
  const { userId, password } = await ensureAdmin(api, { email, tenantId: opts.tenantId ?? null });
  expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
  if (opts.roles) {
    const r = await api("PUT", `/api/user/registration/${userId}`, {
      tenantId: SYSTEM_TENANT_ID,
      body: { registration: { applicationId: ADMIN_APPLICATION_ID, roles: opts.roles } },
    });
    expect(r.status).toBe(200);
  }
  const secret = await api("GET", "/api/two-factor/secret", { tenantId: SYSTEM_TENANT_ID });
  const code = await totp(secret.json.secretBase32Encoded);
  const en = await api("POST", `/api/user/two-factor/${userId}`, {
    tenantId: SYSTEM_TENANT_ID,
    body: {
      method: "authenticator",
      code,
      secret: secret.json.secret,
      secretBase32Encoded: secret.json.secretBase32Encoded,
    },
  });
  expect(en.status).toBe(200);
  nextStep();
  return { userId, email, password: password as string, secret: secret.json.secretBase32Encoded as string };
}

export async function follow(b: Browser, r: Page): Promise<Page> {
  let cur = r;
  const sameSite = (l: string | null) => !!l && (l.startsWith("/") || l.startsWith(`${ORIGIN}/`));
  for (let i = 0; i < 8 && cur.status === 302 && sameSite(cur.location); i++) cur = await b.get(cur.location!);
  return cur;
}

/** Signs in through /admin → hosted login → TOTP → /admin/callback; returns the last page. */
export async function signIn(b: Browser, who: { email: string; password: string; secret?: string }): Promise<Page> {
  const login = await follow(b, await b.get("/admin"));
  expect(login.html).toContain("<title>Login | FusionAuth</title>");
  let r = await follow(b, await b.submit(login, "login-form", { loginId: who.email, password: who.password }));
  if (who.secret && r.html.includes('id="2fa-form"')) {
    r = await follow(b, await b.submit(r, "2fa-form", { code: await totp(who.secret) }));
    nextStep(); // the code's step is used up (replay guard)
  }
  return r;
}

export const csrfOf = (html: string) => /name="csrf_token" value="([^"]+)"/.exec(html)![1]!;

/** A new admin signed in to the console in a fresh browser, with the session's CSRF token. */
export async function signedInConsole() {
  const a = await admin();
  const b = new Browser();
  const home = await signIn(b, a);
  return { a, b, csrf: csrfOf(home.html) };
}
