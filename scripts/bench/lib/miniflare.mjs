/**
 * The bench's `--runtime miniflare`: the same worker as under `wrangler dev`, in ONE workerd process
 * without wrangler's proxy in front (BENCHMARKS.md, "Issue 15: runtime, scaling and sends").
 *
 *   1. `wrangler deploy --dry-run --outdir` bundles src/index.ts exactly as a deploy would upload it;
 *   2. `wrangler d1 migrations apply DB --local --persist-to` migrates a fresh local D1 (as
 *      scripts/lib/wrangler-dev.mjs does for `wrangler dev`);
 *   3. miniflare-host.mjs, a child Node process, runs the bundle through the `miniflare` package
 *      (wrangler's own dependency, already in node_modules: nothing new is installed) with the bindings
 *      wrangler derives from wrangler.toml.
 *
 * Resolves to the same shape as `startWranglerDev` (baseUrl, bootstrapKey, child, stop, log, startMs),
 * so the bench's seeding and paths run unchanged on either runtime. The process tree under `child`
 * is the host's Node process (idle once started) and its one workerd.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  binDir,
  freePort,
  serverHandle,
  randomSecrets,
  root,
  runWrangler,
  wranglerEnv,
} from "../../lib/wrangler-dev.mjs";

const host = join(dirname(fileURLToPath(import.meta.url)), "miniflare-host.mjs");

/**
 * @param {{ prefix?: string, environment?: string, vars?: Record<string, string>, settings?: Record<string, string>, timeoutMs?: number }} [opts]
 */
export async function startMiniflare(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? "edge-mfa-mf-"));
  const persist = join(dir, "state");
  const outdir = join(dir, "build");
  const fail = (msg) => {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(msg);
  };
  const started = Date.now();
  const built = await runWrangler(["deploy", "--dry-run", "--outdir", outdir]);
  if (built.code !== 0) fail(`wrangler deploy --dry-run failed:\n${built.output}`);
  const migrated = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
  if (migrated.code !== 0) fail(`migrations failed:\n${migrated.output}`);

  const secrets = randomSecrets();
  const port = await freePort();
  const child = spawn(join(binDir, "node"), [host], {
    cwd: root,
    env: wranglerEnv(),
    stdio: ["pipe", "pipe", "pipe"],
    detached: true, // its own process group: stop() ends the host and workerd together
  });
  let output = "";
  child.stderr.on("data", (d) => (output += String(d)));
  const ready = new Promise((ok, ko) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      output += String(d);
      buf += String(d);
      const m = /^READY (\S+)$/m.exec(buf);
      if (m) ok(m[1]);
    });
    child.on("exit", (code) => ko(new Error(`the Miniflare host exited with ${code}:\n${output}`)));
  });
  child.stdin.end(
    JSON.stringify({
      configPath: join(root, "wrangler.toml"),
      scriptPath: join(outdir, "index.js"),
      persistRoot: join(persist, "v3"),
      port,
      ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
      bindings: {
        ENVIRONMENT: opts.environment ?? "test",
        ...secrets,
        ...(opts.settings ?? {}),
        ...(opts.vars ?? {}),
      },
    }),
  );

  const server = serverHandle({ baseUrl: "", bootstrapKey: secrets.BOOTSTRAP_API_KEY, child, dir, log: () => output });
  const timeout = new Promise((_, ko) =>
    setTimeout(
      () => ko(new Error(`Miniflare did not start within ${(opts.timeoutMs ?? 90_000) / 1000} s`)),
      opts.timeoutMs ?? 90_000,
    ).unref(),
  );
  try {
    server.baseUrl = await Promise.race([ready, timeout]);
  } catch (err) {
    server.stop();
    throw err;
  }
  server.startMs = Date.now() - started;
  return server;
}
