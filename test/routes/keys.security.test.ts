/**
 * Signing-key security properties.
 *
 * Threats: a tenant reading, deleting or publishing another tenant's keys (or having its tokens
 * verify under another tenant's JWKS); a private key or HMAC secret leaving the service through a
 * response or sitting in D1 in the clear; a sealed key copied to another row being usable; weak or
 * unknown algorithms; the bare JWKS path mixing tenants.
 */
import { env } from "cloudflare:workers";
import { createLocalJWKSet, errors, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { decryptSecret, parseKeyring } from "../../src/domain/crypto.ts";
import { call, createUser, PASSWORD, seedTenant } from "../support/mfa.ts";
import { generateKey, tenantJwks } from "../support/keys.ts";

const field = (path: string, type: string) => ({
  fieldErrors: { [path]: [{ code: `[${type}]${path}`, message: expect.any(String) }] },
});
const keyring = parseKeyring(env.ENCRYPTION_KEYS);

async function storedRow(id: string): Promise<Record<string, unknown>> {
  const row = await env.DB.prepare("SELECT * FROM signing_keys WHERE id = ?").bind(id).first();
  if (!row) throw new Error("no row");
  return row;
}

describe("tenant isolation", () => {
  it("another tenant's key answers 404 like a missing one and is not listed", async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    const k = await generateKey(a.key, "ES256");
    for (const method of ["GET", "DELETE"])
      expect((await call(method, `/api/key/${k.id}`, { key: b.key })).status).toBe(404);
    expect((await call("GET", `/api/key/${k.id}`, { key: a.key })).status).toBe(200);
    const listed = await call("GET", "/api/key", { key: b.key });
    expect(listed.body.keys.map((x: any) => x.id)).not.toContain(k.id);
  });

  it("a tenant's JWKS holds only its own keys, so its tokens do not verify under another tenant's", async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    const ka = await generateKey(a.key, "ES256");
    const { email } = await createUser(a.key);
    const login = await call("POST", "/api/login", { key: a.key, body: { loginId: email, password: PASSWORD } });
    const jwksB = await tenantJwks(b.tenantId);
    expect(jwksB.keys.map((k) => k.kid)).not.toContain(ka.kid);
    await expect(jwtVerify(login.body.token, createLocalJWKSet(jwksB))).rejects.toBeInstanceOf(
      errors.JWKSNoMatchingKey,
    );
  });

  it("the bare JWKS path names no tenant while several exist (404), and unknown tenants are 404", async () => {
    await seedTenant();
    await seedTenant();
    expect((await call("GET", "/.well-known/jwks.json")).status).toBe(404);
    expect((await call("GET", `/${crypto.randomUUID()}/.well-known/jwks.json`)).status).toBe(404);
    expect((await call("GET", `/.well-known/jwks.json?tenantId=${crypto.randomUUID()}`)).status).toBe(404);
    expect((await call("GET", "/not-a-uuid/.well-known/jwks.json")).status).toBe(404);
    const { tenantId } = await seedTenant();
    const byQuery = await call("GET", `/.well-known/jwks.json?tenantId=${tenantId}`);
    expect(byQuery.body).toEqual(await tenantJwks(tenantId));
    expect(byQuery.headers.get("cache-control")).toBe("public, max-age=60");
  });
});

describe("private material", () => {
  it("no response carries a private key or HMAC secret, and D1 holds them only sealed", async () => {
    const { key, tenantId } = await seedTenant();
    const made = [await generateKey(key, "RS256"), await generateKey(key, "ES256"), await generateKey(key, "HS256")];
    const responses = [
      ...made.map((k) => JSON.stringify(k)),
      (await call("GET", "/api/key", { key })).text,
      ...(await Promise.all(made.map(async (k) => (await call("GET", `/api/key/${k.id}`, { key })).text))),
      (await call("GET", `/${tenantId}/.well-known/jwks.json`)).text,
    ];
    for (const k of made) {
      const row = await storedRow(k.id);
      expect(row.private_enc).toMatch(/^v1\.k1\.[\w-]+\.[\w-]+$/);
      const plain = await decryptSecret(keyring, String(row.private_enc), `signing-key:${k.id}:tenant:${tenantId}`);
      const secretText =
        k.algorithm === "HS256" ? btoa(String.fromCharCode(...plain)) : new TextDecoder().decode(plain);
      if (k.algorithm !== "HS256") expect(secretText).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const body = k.algorithm === "HS256" ? secretText.replace(/=+$/, "") : secretText.split("\n")[3]!;
      const stored = JSON.stringify(row);
      for (const text of [...responses, stored]) {
        expect(text).not.toContain(body);
        expect(text).not.toMatch(/PRIVATE KEY|"privateKey"|"secret"|"d":/);
      }
    }
  });

  it("a sealed key copied onto another key's row does not open (AAD binds id and tenant)", async () => {
    const { key } = await seedTenant();
    const a = await generateKey(key, "ES256");
    const b = await generateKey(key, "ES256");
    const rowA = await storedRow(a.id);
    // Make b the signer with a's ciphertext: signing must fail closed (500), never sign with a's key under b's kid.
    await env.DB.prepare("UPDATE signing_keys SET private_enc = ? WHERE id = ?").bind(rowA.private_enc, b.id).run();
    const { email } = await createUser(key);
    const r = await call("POST", "/api/login", { key, body: { loginId: email, password: PASSWORD } });
    expect(r.status).toBe(500);
    expect(r.text).not.toContain("decrypt");
  });
});

describe("validation", () => {
  it("refuses unknown algorithms, weak or wrong lengths, duplicate names and ids, blank names", async () => {
    const { key } = await seedTenant();
    const gen = (body: unknown, path = "/api/key/generate") => call("POST", path, { key, body });
    expect((await gen({ key: { algorithm: "none", name: "x" } })).body).toEqual(field("key.algorithm", "invalid"));
    expect((await gen({ key: { algorithm: "RS384", name: "x" } })).body).toEqual(field("key.algorithm", "invalid"));
    expect((await gen({ key: { name: "x" } })).body).toEqual(field("key.algorithm", "blank"));
    expect((await gen({ key: { algorithm: "RS256", name: "x", length: 1024 } })).body).toEqual(
      field("key.length", "invalid"),
    );
    expect((await gen({ key: { algorithm: "ES256", name: "x", length: 384 } })).body).toEqual(
      field("key.length", "invalid"),
    );
    expect((await gen({ key: { algorithm: "HS256", name: " " } })).body).toEqual(field("key.name", "blank"));
    const k = await generateKey(key, "ES256", { name: "taken" });
    const dupName = await gen({ key: { algorithm: "ES256", name: "taken" } });
    expect({ status: dupName.status, body: dupName.body }).toEqual({
      status: 400,
      body: field("key.name", "duplicate"),
    });
    const dupId = await gen({ key: { algorithm: "ES256", name: "other" } }, `/api/key/generate/${k.id}`);
    expect({ status: dupId.status, body: dupId.body }).toEqual({ status: 400, body: field("keyId", "duplicate") });
    expect((await gen({ key: { algorithm: "ES256", name: "y" } }, "/api/key/generate/not-a-uuid")).body).toEqual(
      field("keyId", "invalid"),
    );
    expect((await call("GET", "/api/key/not-a-uuid", { key })).status).toBe(404);
    expect((await call("DELETE", `/api/key/${crypto.randomUUID()}`, { key })).status).toBe(404);
  });

  it("an application may only name its own tenant's key as accessTokenKeyId", async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    const foreign = await generateKey(b.key, "ES256");
    const body = (accessTokenKeyId: string) => ({
      application: { name: "app", jwtConfiguration: { enabled: true, accessTokenKeyId } },
    });
    for (const id of [foreign.id, crypto.randomUUID()]) {
      const r = await call("POST", "/api/application", { key: a.key, body: body(id) });
      expect({ status: r.status, body: r.body }).toEqual({
        status: 400,
        body: field("application.jwtConfiguration.accessTokenKeyId", "invalid"),
      });
    }
    const own = await generateKey(a.key, "ES256");
    const app = await call("POST", "/api/application", { key: a.key, body: body(own.id) });
    expect(app.status).toBe(200);
    const patch = await call("PATCH", `/api/application/${app.body.application.id}`, {
      key: a.key,
      body: { application: { jwtConfiguration: { accessTokenKeyId: foreign.id } } },
    });
    expect(patch.status).toBe(400);
  });

  it("needs an API key", async () => {
    for (const [m, p] of [
      ["GET", "/api/key"],
      ["POST", "/api/key/generate"],
      ["DELETE", `/api/key/${crypto.randomUUID()}`],
    ] as const) {
      expect(
        (await call(m, p, { body: m === "POST" ? { key: { algorithm: "ES256", name: "x" } } : undefined })).status,
      ).toBe(401);
    }
  });
});
