/**
 * Test support for the OAuth endpoints: a tenant whose issuer is its own discovery base
 * (`http://edge-mfa.test/{tenantId}`, so openid-client's issuer check holds with several tenants in
 * one D1), an application with a redirect URI and its one-time client secret, a user, codes issued
 * straight through `issueAuthorizationCode` (the hosted pages' job), and a fetch routed to the app.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { parseConfig } from "../../src/env.ts";
import { buildServices } from "../../src/services/container.ts";
import { issueAuthorizationCode, type AuthorizationGrant } from "../../src/services/oauth/grants.ts";
import { api } from "../helpers.ts";
import { generateKey } from "./keys.ts";
import { app, clock, PASSWORD } from "./mfa.ts";

export const BASE = "http://edge-mfa.test";
export const REDIRECT = "https://rp.example/callback";

/** The app's own fetch (the worker under test with the controllable clock), for openid-client's customFetch. */
export async function routedFetch(url: string | URL | Request, init?: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(url, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export function services() {
  const parsed = parseConfig(env as unknown as Record<string, unknown>);
  if (!parsed.ok) throw new Error("config");
  return buildServices(env, parsed.config, () => {}, { now: () => clock.now });
}

export type Fixture = {
  tenantId: string;
  issuer: string;
  key: string;
  clientId: string;
  secret: string;
  user: { id: string; email: string };
};

export async function oauthFixture(
  opts: { alg?: "RS256" | "ES256"; application?: Record<string, unknown>; oauth?: Record<string, unknown> } = {},
): Promise<Fixture> {
  const tenantId = crypto.randomUUID();
  const issuer = `${BASE}/${tenantId}`;
  const t = await api(`/api/tenant/${tenantId}`, {
    method: "POST",
    body: { tenant: { name: `oauth-${tenantId}`, issuer } },
  });
  expect(t.status, t.text).toBe(200);
  const k = await api("/api/api-key", { method: "POST", body: { apiKey: { tenantId } } });
  const key: string = k.json.apiKey.key;
  let jwtConfiguration: Record<string, unknown> | undefined;
  if (opts.alg === "ES256") {
    const es = await generateKey(key, "ES256");
    jwtConfiguration = { enabled: true, accessTokenKeyId: es.id, idTokenKeyId: es.id };
  }
  const a = await api("/api/application", {
    method: "POST",
    key,
    body: {
      application: {
        name: "rp",
        oauthConfiguration: { authorizedRedirectURLs: [REDIRECT], ...opts.oauth },
        ...(jwtConfiguration ? { jwtConfiguration } : {}),
        ...opts.application,
      },
    },
  });
  expect(a.status, a.text).toBe(200);
  const email = `u-${crypto.randomUUID()}@example.com`;
  const u = await api("/api/user", {
    method: "POST",
    key,
    body: { user: { email, password: PASSWORD, firstName: "Ada", lastName: "Lovelace", username: `ada-${tenantId}` } },
  });
  expect(u.status, u.text).toBe(200);
  return {
    tenantId,
    issuer,
    key,
    clientId: a.json.application.id,
    secret: a.json.application.oauthConfiguration.clientSecret,
    user: { id: u.json.user.id, email },
  };
}

export function issueCode(fx: Fixture, grant: Partial<AuthorizationGrant> = {}, ttlSeconds = 30): Promise<string> {
  return issueAuthorizationCode(
    services(),
    {
      tenantId: fx.tenantId,
      applicationId: fx.clientId,
      userId: fx.user.id,
      redirectUri: REDIRECT,
      scopes: ["openid", "offline_access", "email", "profile"],
      nonce: null,
      codeChallenge: null,
      authTime: clock.now - 5,
      amr: ["pwd", "otp", "mfa"],
      authenticationType: "PASSWORD",
      ssoSessionId: crypto.randomUUID(),
      ...grant,
    },
    ttlSeconds,
  );
}

/** POST /oauth2/token with form parameters (and optional headers). */
export async function token(params: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await routedFetch(`${BASE}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}
