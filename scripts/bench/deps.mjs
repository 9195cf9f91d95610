/**
 * The benchmark's own dependencies (Better Auth, better-sqlite3, autocannon) live in
 * scripts/bench/package.json, not in the root install: a plain `npm ci` skips them (better-sqlite3 is
 * a native addon that npm compiles from source when no prebuilt binary can be downloaded, as on a
 * machine that reaches only the npm registry). `npm run bench` installs them here on first use, with
 * `npm ci` from scripts/bench/package-lock.json, compiled once against the headers of the Node that
 * runs the bench (the pinned Node 22); a stamp with the lockfile's hash and the Node version makes
 * later runs skip the install.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { headersDir } from "./peer/setup.mjs";

export const benchDir = dirname(fileURLToPath(import.meta.url));
const stampPath = join(benchDir, "node_modules", ".edge-mfa-bench-stamp");

function wantedStamp() {
  const lock = readFileSync(join(benchDir, "package-lock.json"));
  return `${createHash("sha256").update(lock).digest("hex")} node ${process.versions.node}\n`;
}

/** Installs scripts/bench's dependencies when missing or stale; throws with npm's output on failure. */
export function ensureBenchDeps(root, log = console.log) {
  const stamp = wantedStamp();
  if (existsSync(stampPath) && readFileSync(stampPath, "utf8") === stamp) return;
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
