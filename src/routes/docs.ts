/**
 * Public, unauthenticated discovery routes (listed in PUBLIC_ROUTES): `GET /` (a pointer),
 * `GET /api/openapi.json` (the document built from the routes' own zod schemas, src/openapi.ts)
 * and `GET /docs` (Swagger UI). The UI's two files are the worker's own static assets
 * (/swagger-ui/…, copied from the pinned swagger-ui-dist package by scripts/copy-assets.mjs), so the
 * page works without internet; they load with Subresource Integrity, under a Content-Security-Policy
 * that allows same-origin files, the one inline initialiser (by hash) and same-origin requests.
 * Nothing here reads secrets or D1.
 */
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { buildOpenAPIDocument } from "../openapi.ts";
import { apiRoutes } from "../http/route.ts";

export const docsRoutes = new Hono<AppEnv>();

/** Static assets (wrangler.toml [assets]), served before the worker runs. */
const SWAGGER_UI = "/swagger-ui";
/**
 * sha384 of swagger-ui-dist@5.35.0's files (package.json pins that version). Update together with the
 * version; test/node/swagger-ui-assets.test.ts fails when they differ from the installed package.
 */
export const SWAGGER_UI_JS_SRI = "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9";
export const SWAGGER_UI_CSS_SRI = "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I";

const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });`;

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-mfa API</title>
<link rel="stylesheet" href="${SWAGGER_UI}/swagger-ui.css" integrity="${SWAGGER_UI_CSS_SRI}" crossorigin="anonymous">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${SWAGGER_UI}/swagger-ui-bundle.js" integrity="${SWAGGER_UI_JS_SRI}" crossorigin="anonymous"></script>
<script>${INIT_SCRIPT}</script>
</body>
</html>
`;

let csp: Promise<string> | undefined;

/** The CSP, with the inline initialiser allowed by its SHA-256 (computed once per isolate). */
function contentSecurityPolicy(): Promise<string> {
  csp ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(INIT_SCRIPT)).then((d) => {
    const hash = btoa(String.fromCharCode(...new Uint8Array(d)));
    return [
      "default-src 'none'",
      `script-src 'self' 'sha256-${hash}'`,
      // Swagger UI sets style attributes at run time.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; ");
  });
  return csp;
}

const route = apiRoutes(docsRoutes, "/");
const tags = ["Discovery"];

route({
  method: "get",
  path: "/",
  summary: "Service pointer",
  tags,
  auth: "none",
  responses: {
    200: {
      description: "Where the documentation lives.",
      schema: z.object({ name: z.string(), docs: z.string(), openapi: z.string() }),
    },
  },
  handler: (c) => c.json({ name: "edge-mfa", docs: "/docs", openapi: "/api/openapi.json" }),
});

route({
  method: "get",
  path: "/api/openapi.json",
  summary: "This OpenAPI 3.1 document",
  tags,
  auth: "none",
  responses: { 200: { description: "The OpenAPI document.", schema: z.record(z.string(), z.unknown()) } },
  handler: (c) => c.json(buildOpenAPIDocument()),
});

route({
  method: "get",
  path: "/docs",
  summary: "Interactive API documentation (HTML)",
  tags,
  auth: "none",
  responses: { 200: { description: "An HTML page." } },
  handler: async (c) => {
    c.header("Content-Security-Policy", await contentSecurityPolicy());
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    return c.html(DOCS_HTML);
  },
});
