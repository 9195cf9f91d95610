/**
 * /account in a real browser (issue 14): headless Chromium (test/support/browser.ts) against a
 * throwaway `wrangler dev`. A user signs in through the hosted login, enables the authenticator app
 * from the page's QR code (decoded by jsQR, a decoder independent of the server's qrcode-generator),
 * registers, renames and deletes a passkey with the DevTools virtual authenticator, and regenerates
 * recovery codes behind a step-up. axe-core runs on every page (no serious or critical violation),
 * every page must fit 320 px without horizontal scrolling, and each is saved as
 * docs/screenshots/account-*.png.
 */
import jsQR from "jsqr";
import * as OTPAuth from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../scripts/lib/wrangler-dev.mjs";
import { buildOtpauthURI } from "../../src/domain/totp.ts";
import { launchChromium, VIRTUAL_AUTHENTICATOR } from "../support/browser.ts";
import { localWebAuthn } from "../support/webauthn-browser.ts";

type NodeFs = { mkdirSync(p: string, o: { recursive: true }): void; readFileSync(p: string, e: "utf8"): string };
const fs = (await import(/* @vite-ignore */ `node:${"fs"}`)) as unknown as NodeFs;

type AxeResult = { violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown }> }> };
/** What the functions evaluated in the page touch (they run in the browser, serialised alone). */
type PageGlobals = {
  axe: { run(ctx: unknown, o: unknown): Promise<AxeResult> };
  document: {
    querySelector(sel: string): { innerHTML: string } | null;
    querySelectorAll(sel: string): ArrayLike<{ textContent: string }>;
    documentElement: { scrollWidth: number };
    createElement(tag: "canvas"): {
      width: number;
      height: number;
      getContext(k: "2d"): {
        fillStyle: string;
        fillRect(x: number, y: number, w: number, h: number): void;
        drawImage(i: unknown, x: number, y: number, w: number, h: number): void;
        getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
      };
    };
  };
  Image: new () => { onload: () => void; onerror: (e: unknown) => void; src: string };
};

const ISSUER = "edge-mfa account test";
const PASSWORD = "correct horse battery staple";

describe("/account in Chromium against wrangler dev", () => {
  let server: WranglerDev;
  let origin: string;
  let tenantId: string;
  let browser: import("playwright-core").Browser;
  let page: import("playwright-core").Page;
  let cdp: import("playwright-core").CDPSession;
  let authenticatorId: string;
  let axeSource: string;
  const email = `account-${crypto.randomUUID()}@example.com`;
  let recoveryCodes: string[] = [];
  const shots = new URL("../../docs/screenshots/", import.meta.url).pathname;

  /** The bootstrap key, acting in `tenantId` when given (the FusionAuth tenant header). */
  async function asAdmin(path: string, body: unknown, tenant?: string): Promise<Record<string, any>> {
    const headers: Record<string, string> = { authorization: server.bootstrapKey, "content-type": "application/json" };
    if (tenant) headers["x-fusionauth-tenantid"] = tenant;
    const res = await fetch(`${server.baseUrl}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${await res.text()}`);
    return res.json();
  }

  /** axe-core on the current page (no serious or critical violation), the 320 px check, and a screenshot. */
  async function check(name: string) {
    await page.evaluate(axeSource);
    const result = await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).axe.run((globalThis as unknown as PageGlobals).document, {
        resultTypes: ["violations"],
      }),
    );
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(
      bad.map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`),
      name,
    ).toEqual([]);
    await page.screenshot({ path: `${shots}account-${name}.png`, fullPage: true });
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: 320, height: 640 });
    const width = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth,
    );
    expect(width, `${name} at 320 px`).toBeLessThanOrEqual(320);
    if (name === "overview-enrolled")
      await page.screenshot({ path: `${shots}account-overview-320px.png`, fullPage: true });
    await page.setViewportSize(viewport);
  }

  /** The step-up page with a recovery code (a TOTP code would have to wait for the next 30 s step). */
  async function confirmWithRecoveryCode(name?: string) {
    await page.waitForURL(/\/account\/confirm\?/);
    if (name) await check(name);
    await page.fill("#code", recoveryCodes.shift()!);
    await Promise.all([page.waitForNavigation(), page.click("#confirm-form button[type=submit]")]);
  }

  beforeAll(async () => {
    server = await startWranglerDev({ prefix: "edge-mfa-account-", environment: "test" });
    // WebAuthn needs a secure context and a domain RP id: http://localhost qualifies, 127.0.0.1 does not.
    origin = server.baseUrl.replace("127.0.0.1", "localhost");
    const tenant = (
      await asAdmin("/api/tenant", {
        tenant: {
          name: "Account tenant",
          issuer: ISSUER,
          multiFactorConfiguration: { email: { enabled: true }, sms: { enabled: true } },
          webAuthnConfiguration: localWebAuthn(origin, "edge-mfa account test"),
        },
      })
    ).tenant;
    tenantId = tenant.id;
    await asAdmin("/api/user", { user: { email, password: PASSWORD } }, tenantId);
    axeSource = fs.readFileSync(new URL("../../node_modules/axe-core/axe.min.js", import.meta.url).pathname, "utf8");
    fs.mkdirSync(shots, { recursive: true });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: VIRTUAL_AUTHENTICATOR }));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it("signs in through the hosted login and shows the overview", async () => {
    await page.goto(`${origin}/account?tenantId=${tenantId}`);
    await page.waitForSelector("#login-form");
    await page.fill("#loginId", email);
    await page.fill("#password", PASSWORD);
    await Promise.all([page.waitForURL(`${origin}/account`), page.click("#submit-button")]);
    expect(await page.title()).toBe("Security | Account");
    await check("overview");
  });

  it("enables the authenticator app from the page's QR code (decoded by jsQR) and shows recovery codes once", async () => {
    await page.click("text=Add an authenticator app");
    await page.waitForURL(`${origin}/account/authenticator`);
    await check("authenticator");
    const key = (await page.textContent("#manual-key"))!.trim();
    // Render the server's SVG to pixels in the page, decode them here with an independent decoder.
    const pixels = await page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      // The whole <svg> element as served (it carries its own xmlns and viewBox).
      const markup = g.document.querySelector("#qrcode")!.innerHTML;
      const img = new g.Image();
      await new Promise<void>((ok, ko) => {
        img.onload = () => ok();
        img.onerror = ko;
        img.src = `data:image/svg+xml;base64,${btoa(markup)}`;
      });
      const size = 400;
      const canvas = g.document.createElement("canvas");
      canvas.width = size;
      canvas.height = size;
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, size, size);
      ctx.drawImage(img, 0, 0, size, size);
      return { size, data: Array.from(ctx.getImageData(0, 0, size, size).data) };
    });
    const decoded = jsQR(new Uint8ClampedArray(pixels.data), pixels.size, pixels.size);
    expect(decoded?.data).toBe(buildOtpauthURI({ issuer: ISSUER, account: email, secretBase32: key }));
    const totp = OTPAuth.URI.parse(decoded!.data) as OTPAuth.TOTP;
    await page.fill("#name", "Phone");
    await page.fill("#code", totp.generate());
    await Promise.all([page.waitForNavigation(), page.click("#enable-form button[type=submit]")]);
    recoveryCodes = await page.$$eval("#recovery-codes .code", (els) => els.map((e) => e.textContent ?? ""));
    expect(new Set(recoveryCodes).size).toBe(10);
    await check("recovery-codes-new");
    await page.goto(`${origin}/account`);
    expect(await page.textContent("#methods")).toContain("Authenticator app (Phone)");
    expect(await page.textContent("body")).not.toContain(recoveryCodes[0]);
    await check("overview-enrolled");
  });

  it("registers, renames and deletes a passkey with the virtual authenticator, each behind a step-up", async () => {
    await page.goto(`${origin}/account/passkeys`);
    await check("passkeys-empty");
    await page.fill("#passkey-name", "Laptop");
    await page.click("#start-register-form button[type=submit]");
    await confirmWithRecoveryCode("confirm");
    await page.waitForURL(`${origin}/account/passkeys`);
    await page.fill("#passkey-name", "Laptop");
    await Promise.all([page.waitForNavigation(), page.click("#start-register-form button[type=submit]")]);
    await page.waitForSelector("#register-form [data-passkey-button]:not([hidden])");
    await check("passkey-create");
    await Promise.all([
      page.waitForURL(`${origin}/account/passkeys?done=added`),
      page.click("#register-form [data-passkey-button]"),
    ]);
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(await page.textContent("#passkeys")).toBeTruthy();
    const nameInput = page.locator("#passkeys input[name=name]");
    expect(await nameInput.inputValue()).toBe("Laptop");
    await nameInput.fill("Work laptop");
    await Promise.all([page.waitForNavigation(), page.click("#passkeys .rename-form button[type=submit]")]);
    expect(await page.locator("#passkeys input[name=name]").inputValue()).toBe("Work laptop");
    await check("passkeys");

    // Delete: the step-up answered with the passkey itself this time.
    await page.click("#passkeys .delete-form button[type=submit]");
    await page.waitForURL(/\/account\/confirm\?action=passkey-delete/);
    await page.waitForSelector("#passkey-form [data-passkey-button]:not([hidden])");
    await Promise.all([
      page.waitForURL(`${origin}/account/passkeys`),
      page.click("#passkey-form [data-passkey-button]"),
    ]);
    await Promise.all([page.waitForNavigation(), page.click("#passkeys .delete-form button[type=submit]")]);
    expect(page.url()).toBe(`${origin}/account/passkeys?done=deleted`);
    expect(await page.locator("#passkeys li").count()).toBe(0);
  });

  it("regenerates recovery codes behind a step-up; the new codes are shown once", async () => {
    await page.goto(`${origin}/account/recovery-codes`);
    await check("recovery-codes");
    await page.click("#regenerate-form button[type=submit]");
    await confirmWithRecoveryCode();
    await page.waitForURL(`${origin}/account/recovery-codes`);
    await Promise.all([page.waitForNavigation(), page.click("#regenerate-form button[type=submit]")]);
    const fresh = await page.$$eval("#recovery-codes .code", (els) => els.map((e) => e.textContent ?? ""));
    expect(new Set(fresh).size).toBe(10);
    expect(fresh).not.toContain(recoveryCodes[0]);
    recoveryCodes = fresh;
    await check("recovery-codes-regenerated");
    await page.goto(`${origin}/account`);
    expect(await page.textContent("#recovery-remaining")).toBe("10");
  });

  it("the remove and email pages pass the same checks", async () => {
    await page.goto(`${origin}/account`);
    const methodId = await page.getAttribute("#methods li", "data-method-id");
    await page.goto(`${origin}/account/remove?methodId=${methodId}`);
    await check("remove");
    await page.goto(`${origin}/account/email`);
    // A user with a method confirms first.
    await confirmWithRecoveryCode();
    await page.waitForURL(`${origin}/account/email`);
    await check("email");
  });
});
