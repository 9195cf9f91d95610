/**
 * The admin console in headless Chromium against `wrangler dev` (issue 14): an admin created like
 * `npm run admin:create` signs in through the hosted login with a TOTP code, sets a tenant's MFA
 * policy to Required and sees the next hosted login of that tenant's user ask for enrolment,
 * removes a user's method and unlocks an account. axe-core runs on every console page (no serious
 * or critical violations) and every page is saved to docs/screenshots/admin-*.png at 320 px.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAdmin, ensureAdminApplication, SYSTEM_TENANT_ID } from "../../scripts/lib/admin-setup.mjs";
import { startWranglerDev, type WranglerDev } from "../../scripts/lib/wrangler-dev.mjs";
import { launchChromium } from "../support/browser.ts";
import { otpauthTotp } from "../support/oath.ts";

type NodeFs = { readFileSync(p: string, e: "utf8"): string; mkdirSync(p: string, o: { recursive: true }): void };
const fs = (await import(/* @vite-ignore */ `node:${"fs"}`)) as unknown as NodeFs;
const axeSource = fs.readFileSync(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url).pathname, "utf8");
const shots = new URL("../../docs/screenshots/", import.meta.url).pathname;
const PASSWORD = "correct horse battery staple";
const REDIRECT = "https://app.example/callback";

type Axe = { run(): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: unknown[] }> }> };

describe("admin console in Chromium", () => {
  let server: WranglerDev;
  let browser: import("playwright-core").Browser;
  let page: import("playwright-core").Page;
  const now = () => Math.floor(Date.now() / 1000);

  const api = async (method: string, path: string, opts: { tenantId?: string; body?: unknown; key?: string } = {}) => {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: {
        authorization: opts.key ?? server.bootstrapKey,
        ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
        ...(opts.tenantId ? { "x-fusionauth-tenantid": opts.tenantId } : {}),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
  };

  /** A user of `tenantId` with an authenticator; returns its id, email, secret and method id. */
  async function enrolled(tenantId: string, email: string, password = PASSWORD) {
    const u = await api("POST", "/api/user", { tenantId, body: { user: { email, password } } });
    expect(u.status, u.text).toBe(200);
    const s = await api("GET", "/api/two-factor/secret", { tenantId });
    const en = await api("POST", `/api/user/two-factor/${u.json.user.id}`, {
      tenantId,
      body: {
        method: "authenticator",
        code: otpauthTotp(s.json.secretBase32Encoded, now()),
        secret: s.json.secret,
        secretBase32Encoded: s.json.secretBase32Encoded,
      },
    });
    expect(en.status, en.text).toBe(200);
    const got = await api("GET", `/api/user/${u.json.user.id}`, { tenantId });
    return {
      id: u.json.user.id as string,
      secret: s.json.secretBase32Encoded as string,
      methodId: got.json.user.twoFactor.methods[0].id as string,
    };
  }

  async function check(name: string) {
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(() => (globalThis as unknown as { axe: Axe }).axe.run());
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(
      bad.map((v) => `${v.id} (${v.impact})`),
      name,
    ).toEqual([]);
    await page.screenshot({ path: `${shots}admin-${name}.png`, fullPage: true });
  }

  let tenantId: string;
  let clientId: string;
  let admin: { email: string; password: string; secret: string };
  let locked: { id: string };
  let withMethod: { id: string; methodId: string };

  beforeAll(async () => {
    server = await startWranglerDev({ prefix: "edge-mfa-admin-" });
    browser = await launchChromium();
    fs.mkdirSync(shots, { recursive: true });
    const boot = (m: string, p: string, o: { tenantId?: string; body?: unknown } = {}) => api(m, p, o);
    await ensureAdminApplication(boot, server.baseUrl);
    const email = "admin@example.com";
    const { userId, password } = await ensureAdmin(boot, { email });
    const s = await api("GET", "/api/two-factor/secret", { tenantId: SYSTEM_TENANT_ID });
    const en = await api("POST", `/api/user/two-factor/${userId}`, {
      tenantId: SYSTEM_TENANT_ID,
      body: {
        method: "authenticator",
        code: otpauthTotp(s.json.secretBase32Encoded, now() - 30),
        secret: s.json.secret,
        secretBase32Encoded: s.json.secretBase32Encoded,
      },
    });
    expect(en.status, en.text).toBe(200);
    admin = { email, password: password!, secret: s.json.secretBase32Encoded };

    const t = await api("POST", "/api/tenant", { body: { tenant: { name: "Acme" } } });
    tenantId = t.json.tenant.id;
    const app = await api("POST", "/api/application", {
      tenantId,
      body: { application: { name: "Acme app", oauthConfiguration: { authorizedRedirectURLs: [REDIRECT] } } },
    });
    clientId = app.json.application.id;
    await api("POST", "/api/user", { tenantId, body: { user: { email: "new@acme.example", password: PASSWORD } } });
    withMethod = await enrolled(tenantId, "method@acme.example");
    const l = await enrolled(tenantId, "locked@acme.example");
    locked = l;
    const login = await api("POST", "/api/login", {
      tenantId,
      body: { loginId: "locked@acme.example", password: PASSWORD },
    });
    expect(login.status).toBe(242);

    // bypassCSP only so the test can inject axe-core; the pages' own CSP is asserted by the workers tests.
    const context = await browser.newContext({ viewport: { width: 320, height: 800 }, bypassCSP: true });
    page = await context.newPage();
    for (let i = 0; i < 5; i++)
      await context.request.post(`${server.baseUrl}/api/two-factor/login`, {
        data: { twoFactorId: login.json.twoFactorId, code: "000000" },
        failOnStatusCode: false,
      });
    expect((await api("GET", `/api/user/lock/${l.id}`, { tenantId })).json.locked).toBe(true);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it("signs in through the hosted login with TOTP and checks every page", async () => {
    await page.goto(`${server.baseUrl}/admin`);
    expect(await page.title()).toBe("Login | FusionAuth");
    await page.fill('input[name="loginId"]', admin.email);
    await page.fill('input[name="password"]', admin.password);
    await page.click('#login-form button[type="submit"]');
    await page.waitForSelector('input[name="code"]');
    await page.fill('input[name="code"]', otpauthTotp(admin.secret, now()));
    await page.click('[id="2fa-form"] button[type="submit"]');
    await page.waitForURL(`${server.baseUrl}/admin`);
    expect(await page.textContent("h1")).toBe("Tenants");
    await check("tenants");

    const base = `${server.baseUrl}/admin/tenants/${tenantId}`;
    for (const p of ["applications", "users", "events", "webhooks", "api-keys", "keys"]) {
      await page.goto(`${base}/${p}`);
      await check(p);
    }
    await page.goto(`${base}/users/${withMethod.id}`);
    await check("user");
  }, 120_000);

  it("sets the tenant's policy to Required; the next hosted login of its user asks for enrolment", async () => {
    await page.goto(`${server.baseUrl}/admin/tenants/${tenantId}/settings`);
    await page.selectOption("#loginPolicy", "Required");
    await page.click('#tenant-form button[type="submit"]');
    await page.waitForSelector("text=Saved.");
    await check("tenant-settings");

    const user = await browser.newContext({ viewport: { width: 320, height: 800 } });
    const up = await user.newPage();
    const q = new URLSearchParams({
      client_id: clientId,
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "openid",
      state: "s",
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
    await up.goto(`${server.baseUrl}/oauth2/authorize?${q}`);
    await up.fill('input[name="loginId"]', "new@acme.example");
    await up.fill('input[name="password"]', PASSWORD);
    await up.click('#login-form button[type="submit"]');
    await up.waitForURL(/\/oauth2\/two-factor-enable/);
    await user.close();
  }, 60_000);

  it("removes a user's method and unlocks an account", async () => {
    await page.goto(`${server.baseUrl}/admin/tenants/${tenantId}/users/${withMethod.id}`);
    await page.click('button:has-text("Remove authenticator")');
    await page.waitForSelector("text=Method removed.");
    const after = await api("GET", `/api/user/${withMethod.id}`, { tenantId });
    expect(after.json.user.twoFactor?.methods ?? []).toEqual([]);

    await page.goto(`${server.baseUrl}/admin/tenants/${tenantId}/users/${locked.id}`);
    expect(await page.textContent("#lock-status")).toBe("Locked.");
    await page.click('button:has-text("Unlock")');
    await page.waitForSelector("text=Unlocked.");
    expect(await page.textContent("#lock-status")).toBe("Not locked.");
    expect((await api("GET", `/api/user/lock/${locked.id}`, { tenantId })).json.locked).toBe(false);

    await page.goto(`${server.baseUrl}/admin/tenants/${tenantId}/audit`);
    expect(await page.textContent("main")).toContain("Unlocked user [locked@acme.example]");
    await check("audit");
  }, 60_000);
});
