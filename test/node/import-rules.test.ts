/**
 * The import rules in biome.jsonc (run by `npm run check`) must actually fire: a scratch project with
 * the repository's biome.jsonc and one violation of each rule is linted, and every violation has to be
 * reported. Guards against a config edit (a renamed folder, a dropped override) that silently turns
 * a rule off while `biome ci` stays green on the real tree.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Fs = {
  mkdtempSync(prefix: string): string;
  mkdirSync(path: string, options: { recursive: true }): void;
  writeFileSync(path: string, data: string): void;
  readFileSync(path: string, encoding: "utf8"): string;
  rmSync(path: string, options: { recursive: true; force: true }): void;
};
type SpawnSync = (
  file: string,
  args: readonly string[],
  options: { cwd: string; encoding: "utf8"; timeout: number },
) => { stdout: string; stderr: string; status: number | null };
// Computed specifiers keep Node's types out of the Worker-typed tsconfig (no @types/node in the repo).
const FS_MODULE: string = "node:fs";
const CHILD_PROCESS_MODULE: string = "node:child_process";

const ROOT = new URL("../../", import.meta.url).pathname;
const BIOME = `${ROOT}node_modules/.bin/biome`;

/** One violation per rule, plus a clean file that must not be reported. */
const FILES: Record<string, string> = {
  "src/domain/framework.ts": 'import { Hono } from "hono";\nexport const a = Hono;\n',
  "src/domain/database.ts": 'import { eq } from "drizzle-orm";\nexport const b = eq;\n',
  "src/domain/validation.ts": 'import * as z from "zod";\nexport const c = z;\n',
  "src/domain/runtime.ts": 'import { env } from "cloudflare:workers";\nexport const d = env;\n',
  "src/domain/upward.ts": 'import type { X } from "../services/one.ts";\nexport type E = X;\n',
  "src/domain/clean.ts": 'import { f } from "./pure.ts";\nexport const g = f;\n',
  "src/domain/pure.ts": "export const f = 1;\n",
  "src/storage/durable-objects/object.ts": 'import { h } from "../../services/two.ts";\nexport const i = h;\n',
  "src/objects/builder.ts": 'import { h } from "../services/two.ts";\nexport const j = h;\n',
  // A cycle made of type-only imports still counts.
  "src/services/one.ts": 'import type { Y } from "./two.ts";\nexport type X = Y;\n',
  "src/services/two.ts": 'import type { X } from "./one.ts";\nexport type Y = { x?: X };\nexport const h = 1;\n',
};

let fs: Fs;
let dir: string;
let findings: string[];

beforeAll(async () => {
  fs = (await import(/* @vite-ignore */ FS_MODULE)) as Fs;
  const { spawnSync } = (await import(/* @vite-ignore */ CHILD_PROCESS_MODULE)) as { spawnSync: SpawnSync };
  dir = fs.mkdtempSync("/tmp/edge-mfa-import-rules-");
  const config = fs.readFileSync(`${ROOT}biome.jsonc`, "utf8").replace(/"\$schema":[^\n]*\n/, "");
  fs.writeFileSync(`${dir}/biome.jsonc`, config);
  for (const [path, source] of Object.entries(FILES)) {
    fs.mkdirSync(`${dir}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    fs.writeFileSync(`${dir}/${path}`, source);
  }
  const run = spawnSync(BIOME, ["lint", "--vcs-enabled=false", "--reporter=github", "--max-diagnostics=none", "src"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
  });
  // ::error title=lint/style/noRestrictedImports,file=/tmp/…/src/domain/framework.ts,line=1,…
  findings = [...`${run.stdout}\n${run.stderr}`.matchAll(/title=(lint\/[\w/]+),file=[^,]*?(src\/[^,]+),line=/g)].map(
    (m) => `${m[2]} ${m[1]}`,
  );
}, 90_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("biome.jsonc import rules", () => {
  it("src/domain imports no framework, database, validation or runtime module", () => {
    for (const file of ["framework", "database", "validation", "runtime"]) {
      expect(findings).toContain(`src/domain/${file}.ts lint/style/noRestrictedImports`);
    }
  });

  it("src/domain imports nothing from the other layers, not even types", () => {
    expect(findings).toContain("src/domain/upward.ts lint/style/noRestrictedImports");
  });

  it("src/storage never imports the services", () => {
    expect(findings).toContain("src/storage/durable-objects/object.ts lint/style/noRestrictedImports");
  });

  it("a Durable Object class never imports the services: the composition root hands it its dependencies", () => {
    expect(findings).toContain("src/objects/builder.ts lint/style/noRestrictedImports");
  });

  it("an import cycle is an error, also when it is made of type-only imports", () => {
    expect(findings).toContain("src/services/one.ts lint/suspicious/noImportCycles");
    expect(findings).toContain("src/services/two.ts lint/suspicious/noImportCycles");
  });

  it("a domain file importing only its own folder passes", () => {
    const clean = findings.filter((f) => f.startsWith("src/domain/clean.ts") || f.startsWith("src/domain/pure.ts"));
    expect(clean).toEqual([]);
  });
});
