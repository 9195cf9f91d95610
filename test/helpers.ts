/**
 * Shared helpers for route tests in the `workers` project. They go through the real worker
 * (`exports.default.fetch`: middleware, auth, D1 migrations applied by test/setup/apply-migrations.ts)
 * and create fixtures through the public API, so a fixture is exactly what a client would get.
 *
 * Storage is isolated per test *file*, not per test: create your own tenant per test and never
 * count rows across the whole table without scoping to it.
 *
 *   const tenant = await createTenant();                        // bootstrap key, returns the tenant JSON
 *   const app = await createApplication(tenant.id);             // the application JSON
 *   const { key } = await createApiKey(tenant.id);              // a tenant-scoped key (raw)
 *   const r = await api("/api/user", { method: "POST", key, body: { user: { email } } });
 *   expect(r.status).toBe(200); r.json.user.id;
 */
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";

/** The superuser key from vitest.config.ts (test-only value). */
export const BOOTSTRAP_KEY: string = env.BOOTSTRAP_API_KEY;

export type ApiInit = Omit<RequestInit, "body" | "headers"> & {
  /** `Authorization` value. Default: the bootstrap key; `null` sends no Authorization header. */
  key?: string | null;
  /** Sent as `X-FusionAuth-TenantId`. */
  tenantId?: string;
  /** A string is sent verbatim; anything else is JSON-encoded with `Content-Type: application/json`. */
  body?: unknown;
  headers?: Record<string, string>;
};

export type ApiResponse = {
  status: number;
  headers: Headers;
  /** The raw body ("" when empty). */
  text: string;
  /** The parsed body when the response declares JSON, else undefined. */
  json: any;
};

/** Calls the worker at `path` (e.g. "/api/tenant") and reads the whole answer. */
export async function api(path: string, init: ApiInit = {}): Promise<ApiResponse> {
  const { key = BOOTSTRAP_KEY, tenantId, body, headers: extra, ...rest } = init;
  const headers: Record<string, string> = { ...extra };
  if (key !== null) headers.authorization = key;
  if (tenantId) headers["x-fusionauth-tenantid"] = tenantId;
  let payload: string | undefined;
  if (typeof body === "string") payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] ??= "application/json";
  }
  const res = await exports.default.fetch(
    new Request(`http://edge-mfa.test${path}`, { ...rest, headers, body: payload }),
  );
  const text = await res.text();
  const isJson = (res.headers.get("content-type") ?? "").startsWith("application/json");
  return { status: res.status, headers: res.headers, text, json: isJson && text ? JSON.parse(text) : undefined };
}

/** Asserts FusionAuth's empty-body answer (401, 404, delete's 200): no body and no Content-Type. */
export function expectEmpty(r: ApiResponse, status: number): void {
  expect({ status: r.status, text: r.text, contentType: r.headers.get("content-type") }).toEqual({
    status,
    text: "",
    contentType: null,
  });
}

/** Creates a tenant with the bootstrap key; `tenant` fields are merged over a unique name. Returns the tenant JSON. */
export async function createTenant(tenant: Record<string, unknown> = {}): Promise<any> {
  const r = await api("/api/tenant", {
    method: "POST",
    body: { tenant: { name: `tenant-${crypto.randomUUID()}`, ...tenant } },
  });
  if (r.status !== 200) throw new Error(`createTenant: ${r.status} ${r.text}`);
  return r.json.tenant;
}

/**
 * Creates an application in `tenantId` with the bootstrap key. Returns the application JSON as every
 * later read answers it: without the one-time `oauthConfiguration.clientSecret` of the create response
 * (test/support/oauth.ts keeps it for OAuth tests).
 */
export async function createApplication(tenantId: string, application: Record<string, unknown> = {}): Promise<any> {
  const r = await api("/api/application", {
    method: "POST",
    tenantId,
    body: { application: { name: "app", ...application } },
  });
  if (r.status !== 200) throw new Error(`createApplication: ${r.status} ${r.text}`);
  const { clientSecret: _shownOnce, ...oauthConfiguration } = r.json.application.oauthConfiguration;
  return { ...r.json.application, oauthConfiguration };
}

/** Creates an API key with the bootstrap key: scoped to `tenantId`, or valid for all tenants when null. */
export async function createApiKey(tenantId: string | null): Promise<{ id: string; key: string }> {
  const r = await api("/api/api-key", { method: "POST", body: { apiKey: { tenantId } } });
  if (r.status !== 200) throw new Error(`createApiKey: ${r.status} ${r.text}`);
  return { id: r.json.apiKey.id, key: r.json.apiKey.key };
}
