/**
 * globalSetup of the `workers` vitest project (runs in Node, before any test file): starts one
 * Prism mock server per vendor OpenAPI spec in ../shared/vendor-specs (Twilio Messages API v2010,
 * Resend, SendGrid mail v3) on free loopback ports, and provides their base URLs to the worker
 * bindings through `project.provide` (see vitest.config.ts). The contract tests in
 * test/adapters/contract.prism.test.ts send the adapters' real requests there: Prism validates each
 * request against the vendor's own spec and answers the spec's example (or 4xx when invalid).
 *
 * Plain JavaScript on purpose: the repository's tsconfig is typed for Workers and has no Node types.
 * Prism needs no network; its telemetry postinstall (@scarf/scarf) is not allowed to run.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const binDir = join(root, "node_modules", ".bin");
const specDir = process.env.VENDOR_SPECS_DIR ?? join(root, "..", "shared", "vendor-specs");

/** Key provided to the tests → spec file. */
export const SPECS = {
  prismTwilio: "twilio_api_v2010.json",
  prismResend: "resend.json",
  prismSendGrid: "sendgrid_tsg_mail_v3.json",
};

const STARTUP_TIMEOUT_MS = 60_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `prism mock` for one spec; resolves with the child and its URL once Prism says it listens. */
async function startPrism(spec) {
  const port = await freePort();
  const child = spawn(join(binDir, "prism"), ["mock", "-h", "127.0.0.1", "-p", String(port), join(specDir, spec)], {
    cwd: root,
    env: { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ""}` },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: teardown stops Prism and anything it spawned
  });
  let output = "";
  const started = Date.now();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`Prism (${spec}) did not start within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output.slice(-2000)}`),
        ),
      STARTUP_TIMEOUT_MS,
    );
    const onData = (d) => {
      output = (output + d).slice(-20_000);
      if (output.includes("Prism is listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism (${spec}) exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
  // Keep draining so a chatty Prism never blocks on a full pipe.
  child.stdout.on("data", () => {});
  child.stderr.on("data", () => {});
  return { child, url: `http://127.0.0.1:${port}`, ms: Date.now() - started };
}

function stop(child) {
  if (child.exitCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
}

export default async function setup(project) {
  if (!existsSync(specDir)) throw new Error(`vendor specs not found at ${specDir} (set VENDOR_SPECS_DIR)`);
  const entries = Object.entries(SPECS);
  const settled = await Promise.allSettled(entries.map(([, spec]) => startPrism(spec)));
  const servers = settled.filter((s) => s.status === "fulfilled").map((s) => s.value);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) {
    for (const s of servers) stop(s.child);
    throw failed.reason;
  }
  for (const [i, [key]] of entries.entries()) project.provide(key, servers[i].url);
  project.provide("prismStartupMs", Math.max(...servers.map((s) => s.ms)));
  return () => {
    for (const s of servers) stop(s.child);
  };
}
