/** Test support for signing keys: generate through the API, fetch a tenant's JWKS, verify a token against it. */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from "jose";
import { expect } from "vitest";
import { call } from "./mfa.ts";

export async function generateKey(
  key: string,
  algorithm: "RS256" | "ES256" | "HS256",
  extra: Record<string, unknown> = {},
): Promise<any> {
  const r = await call("POST", "/api/key/generate", {
    key,
    body: { key: { algorithm, name: `${algorithm} ${crypto.randomUUID()}`, ...extra } },
  });
  expect(r.status, r.text).toBe(200);
  return r.body.key;
}

export async function tenantJwks(tenantId: string): Promise<JSONWebKeySet> {
  const r = await call("GET", `/${tenantId}/.well-known/jwks.json`);
  expect(r.status, r.text).toBe(200);
  return r.body as JSONWebKeySet;
}

/** Verifies `token` with jose against the tenant's published JWKS (issuer `edge-mfa`, the given audience). */
export async function verifyWithJwks(token: string, tenantId: string, audience: string) {
  const set = createLocalJWKSet(await tenantJwks(tenantId));
  const { payload, protectedHeader } = await jwtVerify(token, set, { issuer: "edge-mfa", audience });
  return { payload, protectedHeader, header: decodeProtectedHeader(token) };
}
