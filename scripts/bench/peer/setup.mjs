/**
 * better-sqlite3 is a native addon. npm builds it against the headers of the Node that runs npm
 * (the machine's `nodedir` may name the system Node), while the peer runs on the pinned Node 22.
 * scripts/bench/deps.mjs installs it with this Node's headers (headersDir); should the binding still
 * not load in this Node, it is rebuilt against them here. The headers
 * come from the `node` devDependency's platform package when npm left it in place, else from that
 * package fetched with `npm pack` into .bench/ (the npm registry; once per Node version).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");

function loads() {
  // From scripts/bench, where scripts/bench/deps.mjs installs it.
  const r = spawnSync(process.execPath, ["-e", "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: benchDir,
    encoding: "utf8",
  });
  return r.status === 0 ? null : r.stderr;
}

export function headersDir(root, log) {
  const pkg = `node-${process.platform}-${process.arch}`;
  const nested = join(root, "node_modules", "node", "node_modules", pkg);
  if (existsSync(join(nested, "include", "node", "common.gypi"))) return nested;
  const cache = join(root, ".bench", `node-headers-${process.versions.node}`);
  if (existsSync(join(cache, "include", "node", "common.gypi"))) return cache;
  mkdirSync(cache, { recursive: true });
  log(`fetching ${pkg}@${process.versions.node} for its headers (npm pack)`);
  const tgz = execFileSync("npm", ["pack", `${pkg}@${process.versions.node}`, "--silent"], {
    cwd: cache,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop();
  execFileSync("tar", ["-xzf", tgz, "--strip-components=1", "package/include"], { cwd: cache });
  return cache;
}

/** Makes `require('better-sqlite3')` work in this Node; throws with npm's output when it cannot. */
export function ensureSqliteBinding(root, log = console.log) {
  const first = loads();
  if (first === null) return;
  if (!/NODE_MODULE_VERSION|invalid ELF|ERR_DLOPEN_FAILED|Could not locate the bindings/.test(first))
    throw new Error(`better-sqlite3 does not load:\n${first}`);
  const nodedir = headersDir(root, log);
  log(`rebuilding better-sqlite3 for Node ${process.versions.node} (about 2 minutes, once)`);
  const env = {
    ...process.env,
    npm_config_nodedir: nodedir,
    PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
  };
  const r = spawnSync("npm", ["rebuild", "better-sqlite3"], { cwd: benchDir, env, encoding: "utf8" });
  const again = loads();
  if (again !== null)
    throw new Error(`better-sqlite3 still does not load after the rebuild:\n${r.stdout}\n${r.stderr}\n${again}`);
}
