#!/usr/bin/env node
/**
 * Copies Swagger UI's browser files from the npm package swagger-ui-dist (a pinned devDependency) into
 * public/swagger-ui/, the Workers static assets wrangler.toml's [assets] serves: /docs then works
 * without internet, and static assets do not count toward the Worker's script size. Run by wrangler
 * itself before `wrangler dev` and `wrangler deploy` ([build] command in wrangler.toml), so the files
 * always match the installed package; public/swagger-ui/ is gitignored. src/routes/docs.ts pins their
 * SRI hashes (test/node/swagger-ui-assets.test.ts checks them against the package).
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const target = join(root, "public", "swagger-ui");
/** The files /docs loads, and the licence that must travel with them (Apache-2.0). */
const SWAGGER_UI_FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"];

mkdirSync(target, { recursive: true });
for (const f of SWAGGER_UI_FILES) copyFileSync(join(source, f), join(target, f));
const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
console.log(`assets: swagger-ui-dist ${version} → public/swagger-ui/`);
