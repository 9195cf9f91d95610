/**
 * Every route needs an API key unless FusionAuth itself leaves it open.
 *
 * Threat: a route added later (or mounted outside `/api/*`, where the key middleware does not run)
 * that answers without authentication. This test walks the app's real route table, so a new route
 * is covered the moment it is mounted: each route that `isPublic()` does not match must answer
 * 401 with an empty body to a request without `Authorization` and to one with a wrong key. It also
 * pins the public list itself to what FusionAuth leaves open plus the discovery routes.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { isPublic, PUBLIC_ROUTES } from "../../src/middleware/auth.ts";

const app = createApp();

/** `:param`, `:param{regex}` and `*` segments replaced by concrete values. */
function concrete(path: string): string {
  return path.replace(/:[A-Za-z0-9_]+(\{[^}]*\})?\??/g, () => crypto.randomUUID()).replace(/\*/g, "x");
}

/** Handlers only: `app.use(...)` middleware appears in the table as method ALL on a wildcard path. */
const handlers = app.routes
  .filter((r) => !(r.method === "ALL" && r.path.endsWith("*")))
  .map((r) => ({ method: r.method === "ALL" ? "GET" : r.method, path: r.path }));
const unique = [...new Map(handlers.map((r) => [`${r.method} ${r.path}`, r])).values()];

async function send(method: string, path: string, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization) headers.authorization = authorization;
  const body = method === "GET" || method === "HEAD" ? undefined : "{}";
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://edge-mfa.test${path}`, { method, headers, body }), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("route table", () => {
  it("has the tenant, application and API key routes (the walk sees mounted sub-apps)", () => {
    const keys = unique.map((r) => `${r.method} ${r.path}`);
    expect(keys).toEqual(expect.arrayContaining(["POST /api/tenant", "GET /api/tenant/:tenantId", "DELETE /api/api-key/:keyId", "PATCH /api/application/:applicationId"]));
  });

  const guarded = unique.filter((r) => !isPublic(r.method, concrete(r.path), new URLSearchParams()));
  it.each(guarded.map((r) => [r.method, r.path]))("%s %s answers 401 empty without a key and with a wrong key", async (method, path) => {
    for (const authorization of [undefined, `wrong-${crypto.randomUUID()}`]) {
      const res = await send(method, concrete(path), authorization);
      const text = await res.text();
      expect({ status: res.status, text, type: res.headers.get("content-type") }).toEqual({ status: 401, text: "", type: null });
    }
  });
});

describe("the public list", () => {
  /** What FusionAuth answers without an API key, plus this service's discovery routes. */
  const EXPECTED_PUBLIC = [
    ["POST", "/api/two-factor/login"], // FusionAuth: twoFactorLogin is anonymous
    ["POST", `/api/two-factor/send/${crypto.randomUUID()}`], // FusionAuth: sendTwoFactorCodeForLogin(UsingMethod)
    ["POST", "/api/webauthn/login"], // FusionAuth: completeWebAuthnLogin is anonymous
    ["POST", "/api/webauthn/assert"], // FusionAuth: completeWebAuthnAssertion is anonymous
    ["GET", "/webauthn.js"], // the browser script for passkey pages (no secret in it)
    ["GET", "/dev/passkeys"], // development page; 404 in production (webauthn-dev.test.ts)
    ["GET", "/api/openapi.json"],
    ["GET", "/docs"],
    ["GET", "/"],
    ["GET", "/.well-known/jwks.json"], // FusionAuth: JWKS is public
  ] as const;

  it("is exactly FusionAuth's anonymous endpoints and the discovery routes", () => {
    expect(PUBLIC_ROUTES).toHaveLength(EXPECTED_PUBLIC.length);
    for (const r of PUBLIC_ROUTES) {
      expect(EXPECTED_PUBLIC.filter(([m, p]) => m === r.method && r.path.test(p)), `${r.method} ${r.path}`).toHaveLength(1);
    }
    for (const [m, p] of EXPECTED_PUBLIC) expect(isPublic(m, p, new URLSearchParams()), `${m} ${p}`).toBe(true);
    // The guide's query-string form of the login send.
    expect(isPublic("POST", "/api/two-factor/send", new URLSearchParams({ twoFactorId: "abc" }))).toBe(true);
  });

  it("does not leak to neighbouring paths or methods", () => {
    const mustBePrivate = [
      ["POST", "/api/two-factor/send"], // enable/disable send: API key or JWT
      ["POST", "/api/two-factor/start"],
      ["GET", "/api/two-factor/secret"],
      ["GET", "/api/two-factor/status/abc"],
      ["POST", "/api/login"],
      ["GET", "/api/two-factor/login"],
      ["POST", "/api/two-factor/login/extra"],
      ["POST", "/api/two-factor/send/a/b"],
      // FusionAuth's client sends the key to these (fusionauth-mfa-api.md §1.3): options name a user's
      // credential ids, and a registration binds a credential to an account, so only a backend may.
      ["POST", "/api/webauthn/start"],
      ["POST", "/api/webauthn/register/start"],
      ["POST", "/api/webauthn/register/complete"],
      ["GET", "/api/webauthn/login"],
      ["POST", "/api/webauthn/login/extra"],
      ["POST", "/api/webauthn/assertx"],
      ["GET", "/api/webauthn"],
      ["DELETE", "/api/webauthn/x"],
      ["POST", "/api/two-factor/send/"],
      ["GET", "/api/openapi.jsonx"],
      ["POST", "/api/openapi.json"],
      ["GET", "/docs/extra"],
      ["DELETE", "/"],
      ["GET", "/api/tenant"],
      ["GET", "/api/user/x"],
    ] as const;
    for (const [m, p] of mustBePrivate) expect(isPublic(m, p, new URLSearchParams()), `${m} ${p}`).toBe(false);
  });

  it("matches the mounted public routes", () => {
    const publicRoutes = unique.filter((r) => isPublic(r.method, concrete(r.path), new URLSearchParams())).map((r) => `${r.method} ${r.path}`);
    expect(publicRoutes).toEqual(expect.arrayContaining(["GET /", "GET /docs", "GET /api/openapi.json"]));
    for (const key of publicRoutes) {
      const [m, p] = key.split(" ") as [string, string];
      expect(EXPECTED_PUBLIC.some(([em, ep]) => em === m && PUBLIC_ROUTES.some((r) => r.method === m && r.path.test(ep) && r.path.test(concrete(p)))), key).toBe(true);
    }
  });
});
