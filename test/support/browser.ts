/**
 * One headless Chromium for the browser tests (e2e project, plain Node), driven by playwright-core:
 *  - Debian's /usr/bin/chromium when it exists (or CHROMIUM_PATH, when set);
 *  - otherwise the Chromium shipped inside the npm package `@sparticuz/chromium` (a devDependency), which
 *    unpacks its brotli-packed headless shell to the temp dir on first use (~2 s) — so `npm test` needs no
 *    system browser and never downloads one.
 * Flags suit a closed network: no sandbox (CI runs as root), no GPU, no background connections.
 */
import type { Browser } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

type NodeFs = {
  existsSync(p: string): boolean;
  mkdirSync(p: string): void;
  rmSync(p: string, o: { recursive: true; force: true }): void;
  statSync(p: string): { mtimeMs: number };
};
type NodeOs = { tmpdir(): string };
const processEnv = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;

/** Where the Chromium comes from and its binary. */
export async function chromiumExecutable(): Promise<{ path: string; source: string }> {
  const fs = (await import(/* @vite-ignore */ `node:${"fs"}`)) as unknown as NodeFs;
  const system = processEnv.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (fs.existsSync(system))
    return { path: system, source: processEnv.CHROMIUM_PATH ? "CHROMIUM_PATH" : "Debian chromium" };
  const packaged = (await import("@sparticuz/chromium")).default;
  // It unpacks to <tmpdir>/chromium and reuses that file once it exists; test files run in parallel, so a
  // lock (an atomic mkdir) keeps a second process from launching a binary the first is still writing.
  const os = (await import(/* @vite-ignore */ `node:${"os"}`)) as unknown as NodeOs;
  const lock = `${os.tmpdir()}/edge-mfa-chromium-unpack.lock`;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      try {
        // A lock older than two minutes was left by a process that died while unpacking.
        if (Date.now() - fs.statSync(lock).mtimeMs > 120_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        /* released meanwhile */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return { path: await packaged.executablePath(), source: "@sparticuz/chromium" };
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Launches headless Chromium; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  const t0 = Date.now();
  const { path, source } = await chromiumExecutable();
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: path, headless: true, args: CHROMIUM_ARGS });
  console.log(
    `[browser] Chromium ${browser.version()} from ${source} (${path}), ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return browser;
}

/**
 * DevTools virtual authenticator options (CDP WebAuthn.addVirtualAuthenticator): a platform authenticator
 * (CTAP2, internal) with resident keys and user verification that answers without a touch.
 */
export const VIRTUAL_AUTHENTICATOR = {
  protocol: "ctap2",
  transport: "internal",
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
} as const;
