/**
 * Passkeys in a real browser: playwright-core drives headless Chromium (test/support/browser.ts: Debian's
 * /usr/bin/chromium when installed, else the one inside the npm package @sparticuz/chromium; never a
 * downloaded browser) with a DevTools virtual authenticator (CTAP2, internal, resident keys, user
 * verification) against `wrangler dev`, through the development page /dev/passkeys and the
 * /webauthn.js module it imports. Four flows, each a click on the page:
 *   register a passkey → passwordless login → password + passkey as second factor → step-up.
 * It always runs: there is no skip path.
 *
 * RECORD_WEBAUTHN_FIXTURES=1 writes the registration and an assertion the browser produced to
 * test/fixtures/webauthn/chromium-virtual-authenticator.json (replayed by
 * test/domain/webauthn-fixtures.test.ts).
 */
import { localWebAuthn } from "../support/webauthn-browser.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../scripts/lib/wrangler-dev.mjs";
import { launchChromium, VIRTUAL_AUTHENTICATOR } from "../support/browser.ts";

type NodeFs = { writeFileSync(p: string, data: string): void; mkdirSync(p: string, o: { recursive: true }): void };
const fs = (await import(/* @vite-ignore */ "node:fs")) as unknown as NodeFs;
const processEnv = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;

/** The page's `document`, as far as these tests read it (the functions below run in the browser). */
type PageGlobals = {
  document: { querySelector(sel: string): { dataset: Record<string, string>; textContent: string } };
};

describe("passkeys in Chromium with a virtual authenticator, against wrangler dev", () => {
  let server: WranglerDev;
  let origin: string;
  let apiKey: string;
  let browser: import("playwright-core").Browser;
  let page: import("playwright-core").Page;
  let cdp: import("playwright-core").CDPSession;
  let authenticatorId: string;
  const timings: Record<string, number> = {};
  /** Per API call as the browser saw it (request start → response end, ms), for the README's numbers. */
  const apiTimings: Record<string, number[]> = {};
  const recorded: Record<string, unknown> = {};
  const email = `browser-${crypto.randomUUID()}@example.com`;

  async function http(method: string, path: string, body?: unknown, key = server.bootstrapKey) {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { authorization: key, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Clicks a flow's button on the page and waits for its result; returns the parsed result. */
  async function run(flow: string): Promise<unknown> {
    const t0 = Date.now();
    await page.click(`#${flow}`);
    // Functions, not strings (the page's CSP forbids eval); each is serialised alone, so no helper closures.
    await page.waitForFunction((f) => {
      const out = (globalThis as unknown as PageGlobals).document.querySelector("#result");
      return out.dataset.flow === f && (out.dataset.status === "ok" || out.dataset.status === "error");
    }, flow);
    timings[flow] = Date.now() - t0;
    const [status, text] = await page.evaluate(() => {
      const out = (globalThis as unknown as PageGlobals).document.querySelector("#result");
      return [out.dataset.status, out.textContent] as const;
    });
    if (status !== "ok") {
      const pageLog = await page.evaluate(
        () => (globalThis as unknown as PageGlobals).document.querySelector("#log").textContent,
      );
      throw new Error(
        `${flow} failed in the page: ${text}\n${pageLog}\n--- wrangler dev ---\n${server.log().split("\n").slice(-30).join("\n")}`,
      );
    }
    return JSON.parse(text);
  }

  beforeAll(async () => {
    const t0 = Date.now();
    server = await startWranglerDev({ prefix: "edge-mfa-browser-", environment: "test" });
    // WebAuthn needs a secure context and a domain RP id: http://localhost qualifies, 127.0.0.1 does not.
    origin = server.baseUrl.replace("127.0.0.1", "localhost");
    const tenant = (
      await http("POST", "/api/tenant", {
        tenant: {
          name: "Browser tenant",
          webAuthnConfiguration: localWebAuthn(origin, "edge-mfa browser test"),
        },
      })
    ).tenant;
    apiKey = (await http("POST", "/api/api-key", { apiKey: { tenantId: tenant.id } })).apiKey.key;

    browser = await launchChromium();
    const context = await browser.newContext();
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", { options: VIRTUAL_AUTHENTICATOR }));
    page.on("requestfinished", (req) => {
      const url = new URL(req.url());
      if (!url.pathname.startsWith("/api/")) return;
      const key = `${req.method()} ${url.pathname}`;
      apiTimings[key] = [...(apiTimings[key] ?? []), Math.round(req.timing().responseEnd)];
    });
    if (processEnv.RECORD_WEBAUTHN_FIXTURES) {
      page.on("request", (req) => {
        const body = req.postData();
        if (!body) return;
        if (req.url().endsWith("/api/webauthn/register/complete")) recorded.registration = JSON.parse(body).credential;
        if (req.url().endsWith("/api/webauthn/login")) recorded.assertion = JSON.parse(body).credential;
      });
    }
    await page.goto(`${origin}/dev/passkeys#key=${encodeURIComponent(apiKey)}`);
    await page.fill("#email", email);
    console.log(
      `[browser] wrangler dev up in ${(server.startMs / 1000).toFixed(1)} s, Chromium ready; setup ${((Date.now() - t0) / 1000).toFixed(1)} s; page ${origin}/dev/passkeys`,
    );
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.stop();
    if (Object.keys(timings).length)
      console.log(`[browser] flow timings (click → result, ms): ${JSON.stringify(timings)}`);
    if (Object.keys(apiTimings).length)
      console.log(`[browser] API calls from the page (ms each): ${JSON.stringify(apiTimings)}`);
    if (processEnv.RECORD_WEBAUTHN_FIXTURES && recorded.registration && recorded.assertion) {
      const dir = new URL("../fixtures/webauthn/", import.meta.url).pathname;
      fs.mkdirSync(dir, { recursive: true });
      const note =
        "Recorded by test/e2e/passkeys.browser.e2e.test.ts (RECORD_WEBAUTHN_FIXTURES=1): Chromium's DevTools virtual authenticator (ctap2, internal, resident key, UV) against wrangler dev.";
      fs.writeFileSync(
        `${dir}chromium-virtual-authenticator.json`,
        `${JSON.stringify({ note, origin, rpId: "localhost", ...recorded }, null, 2)}\n`,
      );
    }
  });

  it("registers a passkey (create user, then register/start → navigator.credentials.create → register/complete)", async () => {
    expect(await run("create-user")).toMatch(/^[0-9a-f-]{36}$/);
    const credentialId = await run("register");
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials.map((c) => ({ rpId: c.rpId, resident: c.isResidentCredential }))).toEqual([
      { rpId: "localhost", resident: true },
    ]);
    const user = await http("GET", `/api/user?email=${encodeURIComponent(email)}`, undefined, apiKey);
    const list = await http("GET", `/api/webauthn?userId=${user.user.id}`, undefined, apiKey);
    expect(list.credentials).toHaveLength(1);
    expect(list.credentials[0]).toMatchObject({ credentialId, relyingPartyId: "localhost", discoverable: true });
    // The authenticator picks the first offered algorithm it supports: EdDSA where it has Ed25519, else ES256.
    expect([-8, -7]).toContain(list.credentials[0].algorithm);
  });

  it("logs in without a password (discoverable credential, user verified): amr hwk + mfa", async () => {
    expect(await run("passwordless")).toEqual(["hwk", "mfa"]);
  });

  it("uses the passkey as the second factor after a password (242 → webauthn/start {twoFactorId} → two-factor/login)", async () => {
    expect(await run("second-factor")).toEqual(["pwd", "hwk", "mfa"]);
  });

  it("the unmodified FusionAuth client drives registration, passwordless login, listing and deletion; the page only signs", async () => {
    const { FusionAuthClient, WebAuthnWorkflow } = await import("@fusionauth/typescript-client");
    const client = new FusionAuthClient(apiKey, server.baseUrl);
    const loginId = `client-${crypto.randomUUID()}@example.com`;
    const userId = (
      await client.createUser(null as unknown as string, {
        user: { email: loginId, password: "correct horse battery staple" },
      })
    ).response.user!.id!;
    // In the page, `window.passkeys` is the /webauthn.js module (functions passed to evaluate are serialised alone).
    type Helpers = { passkeys: { createPasskey(o: unknown): Promise<never>; getPasskey(o: unknown): Promise<never> } };
    const reg = await client.startWebAuthnRegistration({
      userId,
      displayName: "FusionAuth client",
      name: "client",
      workflow: WebAuthnWorkflow.bootstrap,
    });
    const credential = await page.evaluate(
      (o) => (globalThis as unknown as Helpers).passkeys.createPasskey(o),
      reg.response.options,
    );
    const done = await client.completeWebAuthnRegistration({ userId, origin, rpId: "localhost", credential });
    expect(done.response.credential).toMatchObject({ userId, name: "client" });

    const start = await client.startWebAuthnLogin({
      loginId,
      workflow: WebAuthnWorkflow.bootstrap,
      state: { via: "client" },
    });
    const assertion = await page.evaluate(
      (o) => (globalThis as unknown as Helpers).passkeys.getPasskey(o),
      start.response.options,
    );
    const login = await client.completeWebAuthnLogin({ origin, rpId: "localhost", credential: assertion });
    expect(login.statusCode).toBe(200);
    expect(login.response.user?.id).toBe(userId);
    expect(login.response.state).toEqual({ via: "client" });

    const list = await client.retrieveWebAuthnCredentialsForUser(userId);
    expect(list.response.credentials).toHaveLength(1);
    expect((await client.deleteWebAuthnCredential(list.response.credentials![0]!.id!)).statusCode).toBe(200);
    expect((await client.retrieveWebAuthnCredentialsForUser(userId)).response.credentials).toEqual([]);
  });

  it("steps up with the passkey (two-factor/start with state → passkey), state echoed", async () => {
    expect(await run("step-up")).toEqual({ amr: ["hwk"], state: { action: "step-up" } });
    const user = await http("GET", `/api/user?email=${encodeURIComponent(email)}`, undefined, apiKey);
    const [credential] = (await http("GET", `/api/webauthn?userId=${user.user.id}`, undefined, apiKey)).credentials;
    expect(credential.signCount).toBeGreaterThanOrEqual(3); // the virtual authenticator counts, and every use was stored
  });
});
