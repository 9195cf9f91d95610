/**
 * /docs loads Swagger UI from the worker's static assets (public/swagger-ui/, copied from the npm package
 * swagger-ui-dist by scripts/copy-assets.mjs) with Subresource Integrity: the hashes pinned in
 * src/routes/docs.ts must be those of the installed package's files, or browsers refuse the files and
 * /docs is blank. Bumping swagger-ui-dist without updating the hashes fails here.
 */
import { describe, expect, it } from "vitest";
import { SWAGGER_UI_CSS_SRI, SWAGGER_UI_JS_SRI } from "../../src/routes/docs.ts";

type NodeFs = { readFileSync(p: string): Uint8Array };
const fs = (await import(/* @vite-ignore */ `node:${"fs"}`)) as unknown as NodeFs;
const pkg = new URL("../../node_modules/swagger-ui-dist/", import.meta.url).pathname;

async function sri(file: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-384", fs.readFileSync(`${pkg}${file}`));
  return `sha384-${btoa(String.fromCharCode(...new Uint8Array(digest)))}`;
}

describe("Swagger UI static assets", () => {
  it.each([
    ["swagger-ui-bundle.js", SWAGGER_UI_JS_SRI],
    ["swagger-ui.css", SWAGGER_UI_CSS_SRI],
  ])("%s matches the SRI hash in src/routes/docs.ts", async (file, pinned) => {
    expect(await sri(file)).toBe(pinned);
  });
});
