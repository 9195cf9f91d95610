/**
 * The public discovery routes: `GET /`, `GET /api/openapi.json` (OpenAPI 3.1 generated from the
 * routes' zod schemas) and `GET /docs` (Swagger UI under a strict CSP). None needs an API key.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { registeredRoutes } from "../../src/openapi.ts";
import { api } from "../helpers.ts";

type Json = Record<string, any>;

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refsIn(n, out);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe("GET /", () => {
  it("points at the documentation without a key", async () => {
    const r = await api("/", { key: null });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ name: "edge-mfa", docs: "/docs", openapi: "/api/openapi.json" });
  });
});

describe("GET /api/openapi.json", () => {
  it("is an OpenAPI 3.1 document with the tenant, application and API key paths", async () => {
    const r = await api("/api/openapi.json", { key: null });
    expect(r.status).toBe(200);
    const doc: Json = r.json;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "edge-mfa", version: expect.any(String) });
    for (const p of [
      "/api/tenant",
      "/api/tenant/{tenantId}",
      "/api/application",
      "/api/application/{applicationId}",
      "/api/api-key",
      "/api/api-key/{keyId}",
      "/",
      "/docs",
      "/api/openapi.json",
    ]) {
      expect(doc.paths, p).toHaveProperty([p]);
    }
    expect(Object.keys(doc.paths["/api/tenant/{tenantId}"]).sort()).toEqual(["delete", "get", "patch", "post", "put"]);
    expect(doc.components.securitySchemes.apiKey).toEqual({
      type: "apiKey",
      in: "header",
      name: "Authorization",
      description: expect.any(String),
    });
    expect(doc.components.schemas.Errors).toMatchObject({
      type: "object",
      properties: { generalErrors: { type: "array" }, fieldErrors: { type: "object" } },
    });
  });

  it("renders the request schemas the routes validate with", async () => {
    const doc: Json = (await api("/api/openapi.json", { key: null })).json;
    const create = doc.paths["/api/tenant"].post;
    expect(create.security).toEqual([{ apiKey: [] }]);
    const body = create.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(["tenant"]);
    expect(body.properties.tenant.required).toEqual(["name"]);
    expect(
      body.properties.tenant.properties.failedAuthenticationConfiguration.properties.tooManyAttempts,
    ).toMatchObject({ type: "integer", minimum: 1, maximum: 100 });
    expect(create.responses["400"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Errors" });
    expect(create.responses["401"]).toEqual({ description: expect.any(String) });

    const get = doc.paths["/api/tenant/{tenantId}"].get;
    expect(get.parameters).toEqual([{ name: "tenantId", in: "path", required: true, schema: { type: "string" } }]);
    expect(get.responses["404"].content).toBeUndefined();

    const keyBody = doc.paths["/api/api-key"].post.requestBody.content["application/json"].schema;
    expect(keyBody.properties.apiKey.properties.key).toMatchObject({ type: "string", minLength: 32, maxLength: 512 });

    expect(doc.paths["/docs"].get.security).toEqual([]);
  });

  it("has only resolvable internal refs and no per-schema $schema/$defs", async () => {
    const doc: Json = (await api("/api/openapi.json", { key: null })).json;
    const text = JSON.stringify(doc.paths);
    expect(text).not.toContain('"$schema"');
    expect(text).not.toContain('"$defs"');
    for (const ref of refsIn(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas).toHaveProperty([ref.slice("#/components/schemas/".length)]);
    }
  });

  it("documents only routes that exist", () => {
    const app = createApp();
    const served = new Set(app.routes.map((r) => `${r.method.toLowerCase()} ${r.path}`));
    for (const r of registeredRoutes()) expect(served.has(`${r.method} ${r.path}`), `${r.method} ${r.path}`).toBe(true);
  });
});

describe("GET /docs", () => {
  it("serves an HTML page that loads the document, with SRI and a CSP that allows only its own script", async () => {
    const r = await api("/docs", { key: null });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    expect(r.text).toContain("/api/openapi.json");
    expect(r.text).toMatch(/<script src="\/swagger-ui\/swagger-ui-bundle\.js" integrity="sha384-/); // same-origin static asset, no CDN

    const inline = [...r.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(inline).toHaveLength(1);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(inline[0]));
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    const csp = r.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`'sha256-${hash}'`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  });
});
