/**
 * The benchmark's own dependencies (Better Auth, better-sqlite3, autocannon) live in
 * scripts/bench/package.json, not in the root install: a plain `npm ci` skips them (better-sqlite3 is
 * a native addon that npm compiles from source when no prebuilt binary can be downloaded, as on a
 * machine that reaches only the npm registry). `npm run bench` installs them here on first use, with
 * `npm ci` from scripts/bench/package-lock.json, compiled once against the headers of the Node that
 * runs the bench (the pinned Node 22); a stamp with the lockfile's hash and the Node version makes
 * later runs skip the install.
 *
 * Run as a script (`node scripts/bench/deps.mjs`), it installs ahead of time: .ci/run starts it in the
 * background beside the test suite, so the bench smoke test finds the install done instead of
 * spending about two minutes of the e2e run on it. A lock file (.bench/deps.lock, the installer's pid)
 * makes a second caller wait for a running install instead of starting its own; when the installer
 * died or failed, the waiter installs itself (and reports npm's output on failure).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureSqliteBinding, headersDir } from "./peer/setup.mjs";

export const benchDir = dirname(fileURLToPath(import.meta.url));
const stampPath = join(benchDir, "node_modules", ".edge-mfa-bench-stamp");

function wantedStamp() {
  const lock = readFileSync(join(benchDir, "package-lock.json"));
  return `${createHash("sha256").update(lock).digest("hex")} node ${process.versions.node}\n`;
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
};

/** Takes .bench/deps.lock; while another live process holds it, waits for it (up to `waitMs`). Answers a release function. */
function lock(root, log, waitMs = 15 * 60_000) {
  const path = join(root, ".bench", "deps.lock");
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
    }
    const holder = Number(readFileSync(path, "utf8")) || 0;
    if (!holder || !alive(holder) || Date.now() > deadline) {
      rmSync(path, { force: true }); // a dead or stuck installer: take over
      continue;
    }
    if (!told) log(`waiting for the benchmark dependencies being installed by process ${holder}`);
    told = true;
    sleep(500);
  }
}

const current = () => existsSync(stampPath) && readFileSync(stampPath, "utf8") === wantedStamp();

/**
 * Installs scripts/bench's dependencies when missing or stale and makes better-sqlite3 load in this
 * Node (./peer/setup.mjs), under the lock; throws with npm's output on failure.
 */
export function ensureBenchDeps(root, log = console.log) {
  const release = lock(root, log);
  try {
    if (!current()) install(root, log); // an install we waited for may have done it
    ensureSqliteBinding(root, log);
  } finally {
    release();
  }
}

function install(root, log) {
  const stamp = wantedStamp();
  const nodedir = headersDir(root, log);
  log(
    "installing the benchmark's dependencies into scripts/bench/node_modules (npm ci, once; better-sqlite3 compiles for this Node)",
  );
  const t0 = Date.now();
  // PATH: npm and node-gyp run on this Node; nodedir: its headers (the machine's npm config may name another Node's).
  const env = {
    ...process.env,
    npm_config_nodedir: nodedir,
    PATH: `${dirname(process.execPath)}:${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
  };
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: benchDir, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm ci in scripts/bench failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  writeFileSync(stampPath, stamp);
  log(`benchmark dependencies installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

// `node scripts/bench/deps.mjs`: install now (e.g. in the background of .ci/run), with the binding checked.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(benchDir, "..", "..");
  const log = (msg) => console.log(`[bench deps] ${msg}`);
  const t0 = Date.now();
  ensureBenchDeps(root, log);
  log(`ready after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
