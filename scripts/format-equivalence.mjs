#!/usr/bin/env node
/**
 * Proves a pure reformat changed only layout: every JS/TS file that differs from HEAD in the work
 * tree is compiled by esbuild (types stripped, whitespace minified, comments dropped) in both
 * versions, and the two outputs must be identical. Template literal contents survive minification,
 * so a changed string shows up. Type-level changes are not seen here; `tsc` covers those.
 *
 *   npm run format && node scripts/format-equivalence.mjs   # exits 1 and names the files if any differ
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
// esbuild is the bundler wrangler itself uses (installed with it).
import { transformSync } from "esbuild";

const changed = execFileSync("git", ["diff", "--name-only", "--diff-filter=M", "HEAD"], { encoding: "utf8" })
  .split("\n")
  .filter((f) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(f));
const compile = (source, file) =>
  transformSync(source, {
    loader: /\.[mc]?ts$/.test(file) ? "ts" : "js",
    minifyWhitespace: true,
    legalComments: "none",
    format: "esm",
  }).code;
const differing = changed.filter((file) => {
  const before = execFileSync("git", ["show", `HEAD:${file}`], { encoding: "utf8", maxBuffer: 1 << 26 });
  return compile(before, file) !== compile(readFileSync(file, "utf8"), file);
});
console.log(`format-equivalence: ${changed.length} changed files, ${differing.length} with different code`);
for (const file of differing) console.log(`  differs: ${file}`);
process.exit(differing.length ? 1 : 0);
