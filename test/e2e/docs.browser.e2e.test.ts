/**
 * /docs in a real browser, offline: headless Chromium (test/support/browser.ts) opens the page served
 * by `wrangler dev`, Swagger UI renders the operations of /api/openapi.json, and no request leaves the
 * machine (the UI's files come from the worker's static assets, not a CDN). The page is saved to
 * docs/screenshots/docs.png for the README.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../scripts/lib/wrangler-dev.mjs";
import { launchChromium } from "../support/browser.ts";

type NodeFs = { mkdirSync(p: string, o: { recursive: true }): void };
const fs = (await import(/* @vite-ignore */ `node:${"fs"}`)) as unknown as NodeFs;
type PageGlobals = { document: { querySelectorAll(sel: string): { length: number } } };

describe("/docs renders Swagger UI without internet", () => {
  let server: WranglerDev;
  let browser: import("playwright-core").Browser;

  beforeAll(async () => {
    server = await startWranglerDev({ prefix: "edge-mfa-docs-" });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.stop();
  });

  it("loads the UI from the worker, lists the operations and is screenshotted", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const origins = new Set<string>();
    const failed: string[] = [];
    const errors: string[] = [];
    page.on("request", (req) => void origins.add(new URL(req.url()).origin));
    page.on("requestfailed", (req) => void failed.push(req.url()));
    page.on("console", (msg) => void (msg.type() === "error" && errors.push(msg.text())));

    const res = await page.goto(`${server.baseUrl}/docs`);
    expect(res?.status()).toBe(200);
    await page.waitForSelector(".opblock", { timeout: 20_000 });
    const operations = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).document.querySelectorAll(".opblock").length,
    );
    expect(operations).toBeGreaterThan(20);
    expect(await page.textContent(".info .title")).toContain("edge-mfa");

    expect([...origins]).toEqual([server.baseUrl]); // nothing from a CDN or anywhere else
    expect(failed).toEqual([]);
    expect(errors).toEqual([]); // includes CSP violations

    const dir = new URL("../../docs/screenshots/", import.meta.url).pathname;
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: `${dir}docs.png`, fullPage: false });
  });
});
