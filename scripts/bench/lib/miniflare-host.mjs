/**
 * Child process of `scripts/bench/lib/miniflare.mjs`: runs the built worker in ONE workerd process
 * through the `miniflare` package (wrangler's own dependency, the library `wrangler dev` drives),
 * without wrangler's proxy worker in front. Reads its options as JSON from stdin (secrets never on a
 * command line), prints `READY <url>` once the worker answers, and disposes workerd on SIGTERM.
 *
 * Bindings come from wrangler itself (`unstable_getMiniflareWorkerOptions(wrangler.toml)`, the options
 * `wrangler dev` hands to Miniflare): D1 `DB` under the id wrangler uses locally (so the migrations
 * `wrangler d1 migrations apply --local` wrote under the same persist root are found), every Durable
 * Object class SQLite-backed as its `new_sqlite_classes` migration declares, and the plain vars; the
 * caller's vars and secrets are laid over them. Static assets (/docs) are left out: no bench path uses them.
 */
import { dirname } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const o = JSON.parse(input);

const { workerOptions } = unstable_getMiniflareWorkerOptions(o.configPath);
// Not carried over: static assets (no bench path serves /docs) and module rules (the bundle is one ES module).
const { assets: _assets, modulesRules: _rules, ...options } = workerOptions;
// Miniflare 5 takes its own option shape; convertV4MiniflareOptions maps the v4 shape wrangler returns.
const mf = new Miniflare(
  convertV4MiniflareOptions({
    ...options,
    name: "edge-mfa",
    modules: true,
    scriptPath: o.scriptPath,
    modulesRoot: dirname(o.scriptPath),
    bindings: { ...options.bindings, ...o.bindings },
    host: "127.0.0.1",
    port: o.port,
    resourcePersistencePath: o.persistRoot,
    ...(o.inspectorPort ? { inspectorPort: o.inspectorPort } : {}),
  }),
);
const url = await mf.ready;

const stop = async () => {
  await mf.dispose().catch(() => {});
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
console.log(`READY ${url.href.replace(/\/$/, "")}`);
