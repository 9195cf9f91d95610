/**
 * A throwaway `wrangler dev` for tests and benchmarks: fresh local D1 and Durable Object state in a
 * temp dir, fresh random secrets (an env file replaces .dev.vars, and exported secrets are dropped
 * from the environment), migrations applied, a free loopback port, and its own process group so
 * `stop()` ends wrangler and workerd together. Used by the e2e test and `npm run bench`.
 *
 * Plain Node ESM, no dependencies; wrangler runs on the Node pinned in node_modules/.bin.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const binDir = join(root, "node_modules", ".bin");
const SECRET_NAMES = ["BOOTSTRAP_API_KEY", "JWT_SIGNING_KEY", "ENCRYPTION_KEYS", "HASH_PEPPER"];

/** A port the OS says is free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((ok, ko) => {
    const srv = createServer();
    srv.once("error", ko);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** The environment for wrangler: pinned Node first on PATH; secrets only from our env file. */
export function wranglerEnv() {
  const env = { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false", CI: "true" };
  // wrangler dev also reads secrets from process.env; a developer's exported value must not leak in.
  for (const name of SECRET_NAMES) delete env[name];
  return env;
}

export function runWrangler(args) {
  return new Promise((ok) => {
    const child = spawn(join(binDir, "wrangler"), args, { cwd: root, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += String(d)));
    child.stderr.on("data", (d) => (output += String(d)));
    child.on("close", (code) => ok({ code: code ?? 1, output }));
  });
}

/** Random values for every secret the worker needs (ENCRYPTION_KEYS is a one-key keyring). */
export function randomSecrets() {
  return {
    BOOTSTRAP_API_KEY: randomBytes(32).toString("base64url"),
    JWT_SIGNING_KEY: randomBytes(32).toString("base64url"),
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    HASH_PEPPER: randomBytes(32).toString("base64url"),
  };
}

/**
 * Starts `wrangler dev` and resolves once it answers HTTP.
 * @param {{ prefix?: string, environment?: string, vars?: Record<string, string>, logLevel?: string, timeoutMs?: number }} [opts]
 *   `vars` are passed with `--var` (plain vars such as BENCH_INSTRUMENTATION); `logLevel` is wrangler's `--log-level`.
 */
export async function startWranglerDev(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? "edge-mfa-"));
  const persist = join(dir, "state");
  const envFile = join(dir, "worker.vars");
  const secrets = randomSecrets();
  // --env-file replaces .dev.vars for this run, so a developer's .dev.vars plays no part.
  const lines = [`ENVIRONMENT=${opts.environment ?? "test"}`, ...Object.entries(secrets).map(([k, v]) => `${k}=${v}`)];
  writeFileSync(envFile, `${lines.join("\n")}\n`, { mode: 0o600 });

  const migrated = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist]);
  if (migrated.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`migrations failed:\n${migrated.output}`);
  }

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  args.push("--persist-to", persist, "--env-file", envFile, "--show-interactive-dev-session=false");
  for (const [k, v] of Object.entries(opts.vars ?? {})) args.push("--var", `${k}:${v}`);
  if (opts.logLevel) args.push("--log-level", opts.logLevel);
  // detached: its own process group, so stop() can end wrangler and workerd together.
  const child = spawn(join(binDir, "wrangler"), args, { cwd: root, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += String(d)));
  child.stderr.on("data", (d) => (output += String(d)));

  const server = {
    baseUrl,
    bootstrapKey: secrets.BOOTSTRAP_API_KEY,
    child,
    dir,
    startMs: 0,
    log: () => output,
    stop() {
      if (child.pid !== undefined) {
        try {
          // The process group we created: wrangler and its workerd children (which can outlive it).
          process.kill(-child.pid, "SIGTERM");
        } catch {
          /* already gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null) {
      server.stop();
      throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`);
    }
    if (Date.now() > deadline) {
      server.stop();
      throw new Error(`wrangler dev did not answer within ${(opts.timeoutMs ?? 90_000) / 1000} s:\n${output}`);
    }
    try {
      await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(2_000) });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  server.startMs = Date.now() - started;
  return server;
}
