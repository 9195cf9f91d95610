/**
 * The hosted login in a real browser (issue 13): headless Chromium (test/support/browser.ts; never a
 * downloaded browser) driven by playwright-core through the pages of one throwaway `wrangler dev`, with
 * FusionAuth's selectors (#loginId, #password, .button.blue, #code, #trustComputer, name=methodId,
 * #select-method, #qrcode, #verification-code). A tiny relying party (node:http, in this file) receives
 * each callback; every flow ends by checking `code`, `state` and `iss` on the redirect and exchanging the
 * code at /oauth2/token with the PKCE verifier and the client secret.
 *
 * Flows: password → TOTP; password → chooser → email code from the dev outbox; policy Required → TOTP
 * enrolment whose on-page QR code is decoded by jsQR (an independent decoder) → recovery codes; a passkey as
 * the second factor (DevTools virtual authenticator); lockout after the tenant's tooManyAttempts, seen by
 * the API too; "trust this computer", voided by a method change. Every hosted page is checked with axe-core
 * (no serious or critical violations) and saved to docs/screenshots/hosted-*.png at 1280 px and 320 px.
 */
import * as OTPAuth from "otpauth";
import jsQR from "jsqr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startWranglerDev, type WranglerDev } from "../../scripts/lib/wrangler-dev.mjs";
import { launchChromium, VIRTUAL_AUTHENTICATOR } from "../support/browser.ts";
import { otpauthTotp } from "../support/oath.ts";

type BrowserT = import("playwright-core").Browser;
type PageT = import("playwright-core").Page;
type ContextT = import("playwright-core").BrowserContext;

// Node APIs, typed as far as used (the repo's tsconfig has no @types/node).
type NodeFs = { mkdirSync(p: string, o: { recursive: true }): void; readFileSync(p: string, enc: "utf8"): string };
type IncomingMessage = { url?: string };
type ServerResponse = { writeHead(status: number, headers: Record<string, string>): void; end(body: string): void };
type NodeHttp = {
  createServer(handler: (req: IncomingMessage, res: ServerResponse) => void): {
    listen(port: number, host: string, cb: () => void): void;
    close(): void;
  };
};
type NodeCrypto = {
  createHash(alg: string): { update(s: string): { digest(enc: "base64url"): string } };
  randomBytes(n: number): { toString(enc: "base64url"): string };
};
type NodeModule = { createRequire(url: string): { resolve(id: string): string } };
const load = (name: string) => import(/* @vite-ignore */ `node:${name}`);
const fs = (await load("fs")) as unknown as NodeFs;
const http = (await load("http")) as unknown as NodeHttp;
const nodeCrypto = (await load("crypto")) as unknown as NodeCrypto;
const axeSource = fs.readFileSync(
  ((await load("module")) as unknown as NodeModule).createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

const PASSWORD = "correct horse battery staple";
const ISSUER = "https://login.example.test";
const DESKTOP = { width: 1280, height: 800 };
const NARROW = { width: 320, height: 640 };
const SHOTS = new URL("../../docs/screenshots/", import.meta.url).pathname;
/** The pages every screenshot and accessibility check must cover (filled in as the flows visit them). */
const PAGES = [
  "login",
  "login-error",
  "methods",
  "code",
  "enrol-qr",
  "recovery-codes",
  "passkey",
  "locked",
  "logout",
  "error",
  "not-registered",
] as const;
type PageName = (typeof PAGES)[number];

/** The page's globals these tests read (the functions below run in the browser). */
type AxeResult = {
  violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: string[] }> }>;
  passes: unknown[];
};
type PageGlobals = {
  axe: { run(ctx: unknown, opts: unknown): Promise<AxeResult> };
  document: unknown;
  createImageBitmap(b: Blob): Promise<{ width: number; height: number }>;
  OffscreenCanvas: new (
    w: number,
    h: number,
  ) => {
    getContext(k: "2d"): {
      drawImage(i: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
    };
  };
};

type App = { id: string; secret: string };
type Flow = { state: string; verifier: string; app: App };
type Tab = { context: ContextT; page: PageT; errors: string[] };

describe("hosted login in Chromium, against wrangler dev", () => {
  let server: WranglerDev;
  let origin: string;
  let apiKey: string;
  let tenantId: string;
  let browser: BrowserT;
  let rp: { close(): void };
  let rpUrl: string;
  /** Three applications of one tenant: MFA as the tenant says, MFA Required, and registration required. */
  const apps: Record<"main" | "required" | "registered", App> = {} as never;
  const captured = new Map<PageName, string[]>();
  const timings: Record<string, number> = {};
  const started = Date.now();

  async function api(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { authorization: apiKey ?? server.bootstrapKey, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  async function ok(method: string, path: string, body?: unknown): Promise<any> {
    const r = await api(method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async function createUser(name: string): Promise<{ id: string; email: string }> {
    const email = `${name}@example.com`; // readable in the screenshots; the state is fresh each run;
    const r = await ok("POST", "/api/user", { user: { email, password: PASSWORD } });
    return { id: r.user.id, email };
  }

  /**
   * A user with an authenticator app. The enrolment code is the previous 30 s step's (inside the ±1 window
   * of RFC 6238 §5.2), so the current step's code is still unused for the login that follows.
   */
  async function totpUser(name: string): Promise<{ id: string; email: string; secret: string }> {
    const u = await createUser(name);
    const offer = await ok("GET", "/api/two-factor/secret");
    await ok("POST", `/api/user/two-factor/${u.id}`, {
      method: "authenticator",
      code: otpauthTotp(offer.secretBase32Encoded, Math.floor(Date.now() / 1000) - 30),
      secret: offer.secret,
      secretBase32Encoded: offer.secretBase32Encoded,
    });
    return { ...u, secret: offer.secretBase32Encoded };
  }

  /** The newest 6-digit code the dev outbox holds for `to` (security notices have none). */
  async function outboxCode(to: string): Promise<string> {
    const res = await fetch(`${server.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
    const { messages } = (await res.json()) as { messages: Array<{ body: string }> };
    for (const m of messages) {
      const code = /\b(\d{6})\b/.exec(m.body)?.[1];
      if (code) return code;
    }
    throw new Error(`no code in the outbox for ${to}: ${JSON.stringify(messages)}`);
  }

  function newFlow(app: App = apps.main): Flow {
    return {
      state: nodeCrypto.randomBytes(12).toString("base64url"),
      verifier: nodeCrypto.randomBytes(32).toString("base64url"),
      app,
    };
  }

  function authorizeUrl(f: Flow, extra: Record<string, string> = {}): string {
    const q = new URLSearchParams({
      client_id: f.app.id,
      redirect_uri: `${rpUrl}/callback`,
      response_type: "code",
      scope: "openid offline_access",
      state: f.state,
      code_challenge: nodeCrypto.createHash("sha256").update(f.verifier).digest("base64url"),
      code_challenge_method: "S256",
      ...extra,
    });
    return `${origin}/oauth2/authorize?${q}`;
  }

  /** The login page, filled and submitted like a person would. */
  async function signIn(page: PageT, f: Flow, loginId: string, password = PASSWORD, shot?: PageName) {
    const res = await page.goto(authorizeUrl(f));
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe("Login | FusionAuth");
    if (shot) await capture(page, shot);
    await page.fill("#loginId", loginId);
    await page.fill("#password", password);
    await page.click(".button.blue");
    await page.waitForLoadState();
  }

  /**
   * The app got the redirect: `code`, the flow's `state` and the tenant's `iss` (RFC 9207 §2); the code
   * exchanged at /oauth2/token (client secret + PKCE verifier) gives tokens for `userId`. Returns the
   * access token's claims.
   */
  async function finish(page: PageT, f: Flow, userId: string): Promise<Record<string, any>> {
    await page.waitForURL(`${rpUrl}/callback?**`);
    const q = new URL(page.url()).searchParams;
    expect(q.get("state")).toBe(f.state);
    expect(q.get("iss")).toBe(ISSUER);
    const code = q.get("code");
    expect(code).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(await page.textContent("h1")).toBe("Signed in"); // the relying party's page rendered
    const res = await fetch(`${server.baseUrl}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: code!,
        redirect_uri: `${rpUrl}/callback`,
        client_id: f.app.id,
        client_secret: f.app.secret,
        code_verifier: f.verifier,
      }),
    });
    const tokens = (await res.json()) as Record<string, any>;
    expect(res.status, JSON.stringify(tokens)).toBe(200);
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.userId).toBe(userId);
    expect(typeof tokens.id_token).toBe("string");
    const claims = JSON.parse(atob(tokens.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    expect(claims).toMatchObject({ sub: userId, iss: ISSUER, aud: f.app.id });
    return claims;
  }

  /**
   * axe-core on the page (no serious or critical violation), then the page saved at 1280 px and at 320 px.
   * axe is evaluated through DevTools, which the page's CSP does not govern, so the CSP stays on.
   */
  async function capture(page: PageT, name: PageName): Promise<void> {
    await page.evaluate(axeSource);
    const { violations, passes } = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).axe.run((globalThis as unknown as PageGlobals).document, {
        resultTypes: ["violations"],
      }),
    );
    expect(passes.length, "axe ran its rules").toBeGreaterThan(10);
    const all = violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    captured.set(name, all);
    expect(
      all.filter((v) => v.startsWith("serious") || v.startsWith("critical")),
      `${name}: ${page.url()}`,
    ).toEqual([]);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}hosted-${name}.png`, fullPage: true });
    // No empty frame above the heading when the theme has no logo or name.
    expect(await page.locator("main > header").count(), `${name}: empty header`).toBe(0);
    await page.setViewportSize(NARROW);
    // At 320 px (WCAG 2.1 SC 1.4.10 Reflow) nothing scrolls sideways.
    const width = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement
          .scrollWidth,
    );
    expect(width, `${name}: page width at 320 px`).toBeLessThanOrEqual(NARROW.width);
    await page.screenshot({ path: `${SHOTS}hosted-${name}-320.png`, fullPage: true });
    await page.setViewportSize(DESKTOP);
  }

  async function newContext(): Promise<Tab> {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text()))); // CSP violations included
    page.on("pageerror", (e) => void errors.push(String(e)));
    return { context, page, errors };
  }

  /** A new user with an authenticator app, signed in with the password on `page`: now on the code page. */
  async function atCodePage(page: PageT, name: string) {
    const u = await totpUser(name);
    const f = newFlow();
    await signIn(page, f, u.email);
    await page.waitForURL(/\/oauth2\/two-factor\?/); // one authenticator: the chooser auto-picks it
    return { u, f };
  }

  /**
   * A flow in a fresh browser context, closed afterwards even when it fails: no console error (CSP
   * violations included) other than `expected`; the time is recorded and a failure gets wrangler's last lines.
   */
  function inBrowser(name: string, fn: (t: Tab) => Promise<void>, expected?: RegExp): () => Promise<void> {
    return async () => {
      const t0 = Date.now();
      const t = await newContext();
      try {
        await fn(t);
        expect(t.errors.filter((e) => !expected?.test(e))).toEqual([]);
      } catch (err) {
        if (err instanceof Error)
          err.message += `\n--- wrangler dev ---\n${server.log().split("\n").slice(-30).join("\n")}`;
        throw err;
      } finally {
        timings[name] = Date.now() - t0;
        await t.context.close();
      }
    };
  }

  beforeAll(async () => {
    const t0 = Date.now();
    const [srv, chromium] = await Promise.all([
      startWranglerDev({ prefix: "edge-mfa-hosted-browser-", environment: "test" }),
      launchChromium(),
    ]);
    server = srv;
    browser = chromium;
    // WebAuthn needs a secure context and a domain RP id: http://localhost qualifies, 127.0.0.1 does not.
    origin = server.baseUrl.replace("127.0.0.1", "localhost");

    const port = await freePort();
    rpUrl = `http://127.0.0.1:${port}`;
    const srvRp = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end('<!doctype html><html lang="en"><title>Relying party</title><h1>Signed in</h1></html>');
    });
    await new Promise<void>((r) => srvRp.listen(port, "127.0.0.1", r));
    rp = srvRp;

    const on = { enabled: true };
    const tenant = (
      await ok("POST", "/api/tenant", {
        tenant: {
          name: "Hosted login browser tenant",
          issuer: ISSUER,
          multiFactorConfiguration: { email: on },
          failedAuthenticationConfiguration: { tooManyAttempts: 3 },
          webAuthnConfiguration: {
            enabled: true,
            relyingPartyId: "localhost",
            relyingPartyName: "edge-mfa hosted login test",
            allowedOrigins: [origin],
            bootstrapWorkflow: on,
            reauthenticationWorkflow: on,
            secondFactorWorkflow: on,
          },
        },
      })
    ).tenant;
    tenantId = tenant.id;
    apiKey = (await ok("POST", "/api/api-key", { apiKey: { tenantId } })).apiKey.key;
    const oauth = { authorizedRedirectURLs: [`${rpUrl}/callback`] };
    const mk = async (name: string, extra: Record<string, unknown>): Promise<App> => {
      const a = (
        await ok("POST", "/api/application", {
          application: { name, ...extra, oauthConfiguration: { ...oauth, ...(extra.oauthConfiguration ?? {}) } },
        })
      ).application;
      return { id: a.id, secret: a.oauthConfiguration.clientSecret };
    };
    apps.main = await mk("Main app", {});
    apps.required = await mk("MFA required app", { multiFactorConfiguration: { loginPolicy: "Required" } });
    apps.registered = await mk("Registered-only app", { oauthConfiguration: { requireRegistration: true } });
    console.log(
      `[hosted-browser] wrangler dev up in ${(server.startMs / 1000).toFixed(1)} s; setup ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    rp?.close();
    server?.stop();
    console.log(
      `[hosted-browser] flow timings (ms): ${JSON.stringify(timings)}; file total ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });

  it(
    "1. password → TOTP → the app gets a code (login, login error and code pages; logout page)",
    inBrowser("totp", async ({ context, page }) => {
      const u = await totpUser("ada");
      const f = newFlow();
      await signIn(page, f, u.email, "not the password", "login");
      expect(await page.textContent(".alert.error")).toBe("Invalid login credentials.");
      expect(await page.inputValue("#loginId")).toBe(u.email);
      await capture(page, "login-error");
      await page.fill("#password", PASSWORD);
      await page.click(".button.blue");
      await page.waitForURL(/\/oauth2\/two-factor\?/); // one authenticator: the chooser auto-picks it
      expect(await page.isChecked("#trustComputer")).toBe(false);
      await capture(page, "code");
      await page.fill("#code", otpauthTotp(u.secret, Math.floor(Date.now() / 1000)));
      await page.click(".button.blue");
      const claims = await finish(page, f, u.id);
      expect(claims.amr).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));

      // Logout (the default AllApplications behaviour shows a page for 2 s, then moves on to the target).
      const logoutUrl = `${origin}/oauth2/logout?client_id=${apps.main.id}&post_logout_redirect_uri=${encodeURIComponent(`${rpUrl}/callback`)}&state=bye`;
      const res = await page.goto(logoutUrl);
      expect(res?.status()).toBe(200);
      expect(await page.textContent("main")).toContain("You are being signed out.");
      await page.waitForURL(`${rpUrl}/callback?state=bye`);
      expect((await context.cookies(origin)).some((c) => c.name === "fusionauth.sso")).toBe(false);
      // For the checks and screenshots the page is held still: the same response without its meta refresh.
      await page.route(`${origin}/oauth2/logout?**`, async (route) => {
        const real = await route.fetch();
        const html = await real.text();
        const still = html.replace(/<meta http-equiv="refresh"[^>]*>/i, "");
        expect(still).not.toBe(html);
        await route.fulfill({ response: real, body: still });
      });
      await page.goto(logoutUrl);
      await capture(page, "logout");
      await page.unrouteAll();
    }),
  );

  it(
    "2. password → methods chooser → email code read from the dev outbox → the app gets a code",
    inBrowser("email", async ({ page }) => {
      const u = await createUser("grace");
      await ok("POST", "/api/two-factor/send", { userId: u.id, method: "email", email: u.email });
      await ok("POST", `/api/user/two-factor/${u.id}`, {
        method: "email",
        code: await outboxCode(u.email),
        email: u.email,
      });
      const f = newFlow();
      await signIn(page, f, u.email);
      await page.waitForURL(/\/oauth2\/two-factor-methods\?/);
      const radios = await page
        .locator("input[name=methodId]")
        .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
      expect(radios).toHaveLength(2); // the email method and the recovery codes
      expect(radios[1]).toBe("recoveryCode");
      expect(await page.textContent(`label[for=method-${radios[0]}]`)).toBe(`Email a code to g•••@example.com`);
      // Nothing chosen: the page says so.
      await page.click(".button.blue");
      expect(await page.textContent("#methodId-error")).toBe("Select a two-factor method");
      // Each radio sits on its label's line (centres within 3 px).
      for (const id of radios) {
        const [r, l] = [
          await page.locator(`#method-${id}`).boundingBox(),
          await page.locator(`label[for=method-${id}]`).boundingBox(),
        ];
        expect(Math.abs(r!.y + r!.height / 2 - (l!.y + l!.height / 2)), `radio ${id} beside its label`).toBeLessThan(3);
      }
      await capture(page, "methods");
      await page.check(`#method-${radios[0]}`);
      await page.click(".button.blue");
      await page.waitForURL(/\/oauth2\/two-factor\?/);
      expect(await page.textContent(".alert.info")).toBe("Code successfully sent");
      await page.fill("#code", await outboxCode(u.email));
      await page.click(".button.blue");
      const claims = await finish(page, f, u.id);
      expect(claims.amr).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));
    }),
  );

  it(
    "3. policy Required, nothing enrolled → enrolment: the QR on the page decodes (jsQR) to the manual key's URI → recovery codes → the app",
    inBrowser("enrol", async ({ context, page }) => {
      const u = await createUser("alan");
      const f = newFlow(apps.required);
      await signIn(page, f, u.email);
      await page.waitForURL(/\/oauth2\/two-factor-enable\?/);
      // Two methods can be set up (authenticator, email): the selector is there, authenticator first.
      expect(await page.inputValue("#select-method")).toBe("authenticator");
      const key = (await page.textContent("#manual-key"))!;
      expect(key).toMatch(/^[A-Z2-7]{32}$/);
      await capture(page, "enrol-qr");

      // The QR code as the browser drew it: a PNG of the element, decoded to RGBA by the browser in a blank
      // page (no CSP there), then read by jsQR — nothing of edge-mfa's QR encoder is involved.
      const png = await page.locator("#qrcode").screenshot();
      const blank = await context.newPage();
      const rgba = await blank.evaluate(async (b64) => {
        const g = globalThis as unknown as PageGlobals;
        const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const bmp = await g.createImageBitmap(new Blob([bytes], { type: "image/png" }));
        const ctx = new g.OffscreenCanvas(bmp.width, bmp.height).getContext("2d");
        ctx.drawImage(bmp, 0, 0);
        return {
          width: bmp.width,
          height: bmp.height,
          data: Array.from(ctx.getImageData(0, 0, bmp.width, bmp.height).data),
        };
      }, png.toString("base64"));
      await blank.close();
      const decoded = jsQR(new Uint8ClampedArray(rgba.data), rgba.width, rgba.height);
      expect(decoded, "jsQR found a QR code in the page's pixels").not.toBeNull();
      const uri = decoded!.data;
      expect(uri.startsWith("otpauth://totp/")).toBe(true);
      // The Key Uri Format's label is `issuer:account` with no colon inside either part, so the URL issuer
      // appears there as its host; an independent parser (otpauth's URI.parse) reads it back unambiguously.
      const [label, query] = uri.slice("otpauth://totp/".length).split("?") as [string, string];
      expect(decodeURIComponent(label)).toBe(`${new URL(ISSUER).host}:${u.email}`);
      const parsed = OTPAuth.URI.parse(uri);
      expect([parsed.issuer, parsed.label]).toEqual([ISSUER, u.email]);
      const params = Object.fromEntries(new URLSearchParams(query));
      expect(params).toEqual({ secret: key, issuer: ISSUER, algorithm: "SHA1", digits: "6", period: "30" });
      const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(params.secret!), digits: 6, period: 30 });

      await page.fill("#verification-code", totp.generate());
      await page.click("#enable-two-factor-form .button.blue");
      await page.waitForURL(/\/oauth2\/two-factor-enable-complete\?/);
      const codes = await page.locator("#recovery-codes .code").allTextContents();
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      await capture(page, "recovery-codes");
      await page.click(".button.blue");
      const claims = await finish(page, f, u.id);
      expect(claims.amr).toEqual(expect.arrayContaining(["pwd", "otp", "mfa"]));

      // The API sees the authenticator the page enrolled, with the QR's secret.
      const user = (await ok("GET", `/api/user/${u.id}`)).user;
      expect(user.twoFactor.methods.map((m: { method: string }) => m.method)).toEqual(["authenticator"]);
      expect((await ok("GET", `/api/user/two-factor/recovery-code/${u.id}`)).remainingRecoveryCodes).toBe(10);
    }),
  );

  it(
    "4. a passkey as the second factor (DevTools virtual authenticator) → the app gets a code",
    inBrowser("passkey", async ({ context, page }) => {
      const u = await createUser("katherine");
      const cdp = await context.newCDPSession(page);
      await cdp.send("WebAuthn.enable");
      const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
        options: VIRTUAL_AUTHENTICATOR,
      });
      // Registration through the API, the authenticator answering in the dev page (its /webauthn.js helpers).
      const start = await ok("POST", "/api/webauthn/register/start", {
        userId: u.id,
        displayName: "Browser user",
        name: "laptop",
        workflow: "bootstrap",
      });
      await page.goto(`${origin}/dev/passkeys`);
      type Helpers = { passkeys: { createPasskey(o: unknown): Promise<never> } };
      const credential = await page.evaluate(
        (o) => (globalThis as unknown as Helpers).passkeys.createPasskey(o),
        start.options,
      );
      await ok("POST", "/api/webauthn/register/complete", { userId: u.id, origin, rpId: "localhost", credential });

      const f = newFlow();
      await signIn(page, f, u.email);
      await page.waitForURL(/\/oauth2\/two-factor-methods\?/);
      await page.waitForSelector("#passkey-button:not([hidden])"); // the module script revealed it
      // A passkey is all this user has: no empty method list with a Continue that leads nowhere.
      expect(await page.locator("button:visible").allTextContents()).toEqual(["Use a passkey"]);
      await capture(page, "passkey");

      // Without JavaScript the button stays hidden (it could do nothing) and the page says why.
      const noJs = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false });
      const plain = await noJs.newPage();
      await signIn(plain, newFlow(), u.email);
      await plain.waitForURL(/\/oauth2\/two-factor-methods\?/);
      expect(await plain.isVisible("#passkey-button")).toBe(false);
      expect(await plain.textContent("noscript")).toBe("Passkeys need JavaScript.");
      await noJs.close();

      await page.click("#passkey-button");
      const claims = await finish(page, f, u.id);
      expect(claims.amr).toEqual(expect.arrayContaining(["pwd", "hwk", "mfa"]));
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      expect(credentials.map((c) => [c.rpId, c.signCount])).toEqual([["localhost", 2]]);
    }),
  );

  it(
    "5. lockout: tooManyAttempts (3) wrong codes on the page → the locked message; the API sees the same lock",
    inBrowser("lockout", async ({ page }) => {
      const { u } = await atCodePage(page, "edsger");
      const good = otpauthTotp(u.secret, Math.floor(Date.now() / 1000));
      const wrong = String((Number(good) + 500_000) % 1_000_000).padStart(6, "0");
      for (let i = 1; i <= 2; i++) {
        await page.fill("#code", wrong);
        await page.click(".button.blue");
        await page.waitForLoadState();
        expect(await page.textContent("#code-error"), `attempt ${i}`).toBe("Invalid code");
        expect(await page.getAttribute("#code", "aria-invalid")).toBe("true");
      }
      await page.fill("#code", wrong);
      await page.click(".button.blue");
      await page.waitForURL(/\/oauth2\/authorize\?.*notice=locked/);
      expect(await page.textContent(".alert.error")).toBe(
        "You have exceeded the number of allowed attempts. Your account has been locked.",
      );
      await capture(page, "locked");
      // The right password on the page now: still locked.
      await page.fill("#loginId", u.email);
      await page.fill("#password", PASSWORD);
      await page.click(".button.blue");
      await page.waitForLoadState();
      expect(await page.textContent(".alert.error")).toBe("Your account has been locked.");
      // The API's lock is the same one.
      const login = await api("POST", "/api/login", { loginId: u.email, password: PASSWORD });
      expect(login.status).toBe(409);
    }),
  );

  it(
    '6. "trust this computer" skips the factor next time, and not after a method change',
    inBrowser("trust", async ({ context, page }) => {
      const { u, f } = await atCodePage(page, "barbara");
      expect(await page.textContent("label[for=trustComputer]")).toBe("Trust this computer for 30 days");
      await page.check("#trustComputer");
      await page.fill("#code", otpauthTotp(u.secret, Math.floor(Date.now() / 1000)));
      await page.click(".button.blue");
      await finish(page, f, u.id);
      const trust = (await context.cookies(origin)).find((c) => c.name === "fusionauth.trust");
      expect(trust?.httpOnly).toBe(true);

      // Next sign-in (no SSO session): password only, straight back to the app.
      const visited: string[] = [];
      page.on("framenavigated", (fr) => void (fr === page.mainFrame() && visited.push(new URL(fr.url()).pathname)));
      await context.clearCookies({ name: "fusionauth.sso" });
      const again = newFlow();
      await signIn(page, again, u.email);
      const claims = await finish(page, again, u.id);
      expect(visited.filter((p) => p.startsWith("/oauth2/two-factor"))).toEqual([]);
      expect(claims.amr).toContain("pwd");

      // A method change (a second authenticator, through the API) ends the device's trust.
      const offer = await ok("GET", "/api/two-factor/secret");
      await ok("POST", `/api/user/two-factor/${u.id}`, {
        method: "authenticator",
        code: otpauthTotp(offer.secretBase32Encoded, Math.floor(Date.now() / 1000)),
        secretBase32Encoded: offer.secretBase32Encoded,
      });
      await context.clearCookies({ name: "fusionauth.sso" });
      await signIn(page, newFlow(), u.email);
      await page.waitForURL(/\/oauth2\/two-factor\?/); // the last-used authenticator is auto-picked
      expect(await page.isVisible("#code")).toBe(true);
    }),
  );

  it(
    "the error page and 'Registration Required' render",
    inBrowser(
      "error pages",
      async ({ page }) => {
        const u = await createUser("linus");
        // An unregistered redirect_uri: FusionAuth's error page, never a redirect to it.
        const bad = await page.goto(authorizeUrl(newFlow(), { redirect_uri: "https://evil.example/cb" }));
        expect(bad?.status()).toBe(400);
        expect(JSON.parse((await page.textContent("#oauth-error"))!)).toMatchObject({ error: "invalid_request" });
        await capture(page, "error");

        const f = newFlow(apps.registered);
        await signIn(page, f, u.email);
        await page.waitForURL(/\/oauth2\/authorized-not-registered\?/);
        expect(await page.textContent("h1")).toBe("Registration Required");
        expect(await page.textContent(".alert.error")).toBe(
          "Your account has not been registered for this application.",
        );
        await capture(page, "not-registered");
      },
      /status of 400/,
    ),
  );

  it("every hosted page was checked by axe and screenshotted at 1280 and 320 px", () => {
    expect([...captured.keys()].sort()).toEqual([...PAGES].sort());
    const minor = [...captured].filter(([, v]) => v.length > 0);
    if (minor.length) console.log(`[hosted-browser] axe minor/moderate findings: ${JSON.stringify(minor)}`);
  });
});
