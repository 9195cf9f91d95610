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
import { DEV_ROUTES, isPublic, PUBLIC_ROUTES } from "../../src/middleware/auth.ts";

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

const isDevRoute = (method: string, path: string) => DEV_ROUTES.some((r) => r.method === method && r.path.test(path));

async function send(method: string, path: string, authorization?: string, bindings: Env = env): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization) headers.authorization = authorization;
  const body = method === "GET" || method === "HEAD" ? undefined : "{}";
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://edge-mfa.test${path}`, { method, headers, body }), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("route table", () => {
  it("has the tenant, application and API key routes (the walk sees mounted sub-apps)", () => {
    const keys = unique.map((r) => `${r.method} ${r.path}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        "POST /api/tenant",
        "GET /api/tenant/:tenantId",
        "DELETE /api/api-key/:keyId",
        "PATCH /api/application/:applicationId",
      ]),
    );
  });

  // Development-only routes are pinned separately below: no key in development, 404 in production.
  const guarded = unique.filter(
    (r) => !isPublic(r.method, concrete(r.path), new URLSearchParams()) && !isDevRoute(r.method, concrete(r.path)),
  );
  it.each(guarded.map((r) => [r.method, r.path]))(
    "%s %s answers 401 empty without a key and with a wrong key",
    async (method, path) => {
      for (const authorization of [undefined, `wrong-${crypto.randomUUID()}`]) {
        const res = await send(method, concrete(path), authorization);
        const text = await res.text();
        expect({ status: res.status, text, type: res.headers.get("content-type") }).toEqual({
          status: 401,
          text: "",
          type: null,
        });
      }
    },
  );
});

describe("the public list", () => {
  /** What FusionAuth answers without an API key, plus this service's discovery routes. */
  const EXPECTED_PUBLIC = [
    ["POST", "/api/two-factor/login"], // FusionAuth: twoFactorLogin is anonymous
    ["POST", `/api/two-factor/send/${crypto.randomUUID()}`], // FusionAuth: sendTwoFactorCodeForLogin(UsingMethod)
    ["POST", "/api/webauthn/login"], // FusionAuth: completeWebAuthnLogin is anonymous
    ["POST", "/api/webauthn/assert"], // FusionAuth: completeWebAuthnAssertion is anonymous
    ["GET", "/webauthn.js"], // the browser script for passkey pages (no secret in it)
    ["GET", "/api/openapi.json"],
    ["GET", "/docs"],
    ["GET", "/"],
    ["GET", "/.well-known/jwks.json"], // FusionAuth: JWKS is public
    ["POST", "/oauth2/token"], // OAuth 2.0: the client authenticates itself (RFC 6749 §2.3)
    ["GET", "/oauth2/userinfo"], // OIDC: bearer access token
    ["GET", `/${crypto.randomUUID()}/.well-known/openid-configuration`], // OIDC discovery
    ["GET", "/oauth2/authorize"], // FusionAuth: the hosted login pages are browser pages (issue 13)
    ["POST", "/oauth2/authorize"],
    ["GET", "/account"], // the self-service account pages: the hosted-login session, never a key (issue 14)
    ["POST", "/account/remove"],
  ] as const;

  it("is exactly FusionAuth's anonymous endpoints and the discovery routes", () => {
    expect(PUBLIC_ROUTES).toHaveLength(EXPECTED_PUBLIC.length);
    for (const r of PUBLIC_ROUTES) {
      expect(
        EXPECTED_PUBLIC.filter(([m, p]) => m === r.method && r.path.test(p)),
        `${r.method} ${r.path}`,
      ).toHaveLength(1);
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
      // FusionAuth's client sends the key to these (@fusionauth/typescript-client): options name a user's
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
    const publicRoutes = unique
      .filter((r) => isPublic(r.method, concrete(r.path), new URLSearchParams()))
      .map((r) => `${r.method} ${r.path}`);
    expect(publicRoutes).toEqual(expect.arrayContaining(["GET /", "GET /docs", "GET /api/openapi.json"]));
    for (const key of publicRoutes) {
      const [m, p] = key.split(" ") as [string, string];
      expect(
        EXPECTED_PUBLIC.some(
          ([em, ep]) =>
            em === m && PUBLIC_ROUTES.some((r) => r.method === m && r.path.test(ep) && r.path.test(concrete(p))),
        ),
        key,
      ).toBe(true);
    }
  });
});

describe("development-only routes (the dev outbox)", () => {
  const production = { ...env, ENVIRONMENT: "production" } as unknown as Env;
  const development = { ...env, ENVIRONMENT: "development" } as unknown as Env;
  const devRoutes = unique.filter((r) => r.path.startsWith("/dev"));

  it("are exactly the outbox list and page, and every mounted /dev route is one of them", () => {
    expect(devRoutes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      "GET /dev/outbox",
      "GET /dev/outbox.html",
      "GET /dev/passkeys",
    ]);
    for (const r of devRoutes) expect(isDevRoute(r.method, r.path), `${r.method} ${r.path}`).toBe(true);
    for (const [m, p] of [
      ["POST", "/dev/outbox"],
      ["GET", "/dev/outbox/x"],
      ["GET", "/dev/outboxes"],
      ["GET", "/dev"],
      ["GET", "/api/dev/outbox"],
    ] as const) {
      expect(isDevRoute(m, p), `${m} ${p}`).toBe(false);
    }
  });

  it("are public only while ENVIRONMENT is development or test", () => {
    for (const r of devRoutes) {
      expect(isPublic(r.method, r.path, new URLSearchParams(), "production")).toBe(false);
      expect(isPublic(r.method, r.path, new URLSearchParams(), "development")).toBe(true);
      expect(isPublic(r.method, r.path, new URLSearchParams(), "test")).toBe(true);
    }
  });

  it.each(devRoutes.map((r) => [r.method, r.path]))(
    "%s %s answers 404 empty in production, with or without a key",
    async (method, path) => {
      for (const authorization of [undefined, `wrong-${crypto.randomUUID()}`, env.BOOTSTRAP_API_KEY]) {
        const res = await send(method, path, authorization, production);
        expect({ status: res.status, text: await res.text(), type: res.headers.get("content-type") }).toEqual({
          status: 404,
          text: "",
          type: null,
        });
      }
    },
  );

  it.each(devRoutes.map((r) => [r.method, r.path]))(
    "%s %s answers 200 without a key in development",
    async (method, path) => {
      const res = await send(method, path, undefined, development);
      await res.text();
      expect(res.status).toBe(200);
    },
  );
});
