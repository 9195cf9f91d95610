/**
 * /api/key: FusionAuth's Key Master API for token signing keys — generate (RS256 2048/3072/4096,
 * ES256, HS256), retrieve, list, delete — and the public JWKS at `/.well-known/jwks.json` and
 * `/{tenantId}/.well-known/jwks.json`.
 *
 * Tenancy (unlike FusionAuth, whose keys are global): a key belongs to the request's tenant
 * (`requireTenant`); another tenant's key id answers 404 like a missing one. Private keys and HMAC
 * secrets are never returned (they are sealed in D1, src/services/signing-keys.ts).
 *
 * The newest asymmetric key of a tenant signs its access tokens; deleting it makes the next newest
 * the signer (or a fresh default key on next need). Deleting a key withdraws it from the JWKS, so
 * tokens it signed stop verifying.
 */
import { and, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { apiRoutes, createRoutes } from "../http/route.ts";
import { requireTenant } from "../middleware/auth.ts";
import { errorsSchema } from "../openapi.ts";
import { publicTenant } from "../services/public-tenant.ts";
import { apiChange } from "../http/change-context.ts";
import { deleteSigningKey, generateSigningKey, listSigningKeys } from "../services/admin/signing-keys.ts";
import { KEY_ALGORITHMS, RSA_LENGTHS, tenantJwks } from "../services/signing-keys.ts";
import { signingKeys, type SigningKeyRow } from "../storage/d1/schema.ts";
import { chosenPathId, uuid } from "./schemas.ts";

type Ctx = Context<AppEnv>;

const keyRequest = z.object({
  key: z.object({
    algorithm: z.enum(KEY_ALGORITHMS).meta({ description: "RS256, ES256 or HS256." }),
    name: z.string().trim().min(1).max(191),
    length: z
      .number()
      .int()
      .optional()
      .meta({ description: "Bits: RS256 2048 (default), 3072 or 4096; ES256 256; HS256 256." }),
    /** FusionAuth puts it into the certificate; edge-mfa issues no certificate and ignores it. */
    issuer: z.string().max(255).nullish(),
  }),
});

const keyJson = z.object({
  id: uuid,
  algorithm: z.enum(KEY_ALGORITHMS),
  type: z.enum(["RSA", "EC", "HMAC"]),
  length: z.number().int(),
  name: z.string(),
  kid: z.string(),
  publicKey: z.string().optional().meta({ description: "SPKI PEM (asymmetric keys only)." }),
  hasPrivateKey: z.boolean(),
  insertInstant: z.number().int(),
  lastUpdateInstant: z.number().int(),
});

function toKeyJson(k: SigningKeyRow): z.infer<typeof keyJson> {
  return {
    id: k.id,
    algorithm: k.algorithm,
    type: k.type,
    length: k.length,
    name: k.name,
    kid: k.kid,
    ...(k.publicKey ? { publicKey: k.publicKey } : {}),
    hasPrivateKey: k.type !== "HMAC",
    insertInstant: k.createdAt * 1000,
    lastUpdateInstant: k.updatedAt * 1000,
  };
}

function pathKeyId(c: Ctx): string {
  const id = c.req.param("keyId") ?? "";
  if (!uuid.safeParse(id).success) throw ApiError.notFound();
  return id.toLowerCase();
}

function checkedLength(algorithm: (typeof KEY_ALGORITHMS)[number], length: number | undefined): number | undefined {
  const ok =
    length === undefined ||
    (algorithm === "RS256" ? (RSA_LENGTHS as readonly number[]).includes(length) : length === 256);
  if (!ok)
    throw ApiError.field(
      "key.length",
      "invalid",
      algorithm === "RS256" ? "The [key.length] must be 2048, 3072 or 4096." : "The [key.length] must be 256.",
    );
  return length;
}

async function generate(c: Ctx, tenantId: string, id: string, { key }: z.infer<typeof keyRequest>) {
  const length = checkedLength(key.algorithm, key.length);
  const row = await generateSigningKey(c.var.services, apiChange(c), tenantId, {
    id,
    name: key.name,
    algorithm: key.algorithm,
    length,
  });
  return c.json({ key: toKeyJson(row) });
}

const tags = ["Keys"];
const invalid = {
  description: "Invalid request (FusionAuth errors): duplicate id or name, unknown algorithm, bad length.",
  schema: errorsSchema,
};
const missing = { description: "Not found, or another tenant's key (empty body)." };
const one = { description: "The key (never its private half or HMAC secret).", schema: z.object({ key: keyJson }) };

export const keyRoutes = new Hono<AppEnv>();
const route = apiRoutes(keyRoutes, "/api/key");

createRoutes(route, {
  path: "/generate",
  param: "keyId",
  summaries: ["Generate a signing key with a generated id", "Generate a signing key with the given id"],
  tags,
  auth: "apiKey",
  body: keyRequest,
  responses: { 200: one, 400: invalid },
  chosenId: chosenPathId,
  tenant: requireTenant,
  create: generate,
});

route({
  method: "get",
  path: "/",
  summary: "List the tenant's signing keys",
  tags,
  auth: "apiKey",
  responses: { 200: { description: "Keys (public halves only).", schema: z.object({ keys: z.array(keyJson) }) } },
  handler: async (c) => {
    const rows = await listSigningKeys(c.var.services, requireTenant(c));
    return c.json({ keys: rows.map(toKeyJson) });
  },
});

route({
  method: "get",
  path: "/:keyId",
  summary: "Retrieve a signing key",
  tags,
  auth: "apiKey",
  responses: { 200: one, 404: missing },
  handler: async (c) => {
    const [row] = await c.var.services.db
      .select()
      .from(signingKeys)
      .where(and(eq(signingKeys.id, pathKeyId(c)), eq(signingKeys.tenantId, requireTenant(c))));
    if (!row) throw ApiError.notFound();
    return c.json({ key: toKeyJson(row) });
  },
});

route({
  method: "delete",
  path: "/:keyId",
  summary: "Delete a signing key (withdrawn from the JWKS at once)",
  tags,
  auth: "apiKey",
  responses: { 200: { description: "Deleted (empty body)." }, 404: missing },
  handler: async (c) => {
    if (!(await deleteSigningKey(c.var.services, apiChange(c), requireTenant(c), pathKeyId(c))))
      throw ApiError.notFound();
    return c.body(null, 200);
  },
});

// ---------------------------------------------------------------- JWKS (public)

/** Relying parties refetch on an unknown kid (jwks-rsa, jose's createRemoteJWKSet); a short lifetime bounds how long a deleted key lingers. */
const JWKS_CACHE = "public, max-age=60";

async function jwks(c: Ctx, tenantId: string | undefined) {
  const tenant = await publicTenant(c.var.services, tenantId);
  if (!tenant) throw ApiError.notFound();
  c.header("Cache-Control", JWKS_CACHE);
  return c.json(await tenantJwks(c.var.services, tenant.id));
}

export const jwksRoutes = new Hono<AppEnv>();
const jwksRoute = apiRoutes(jwksRoutes, "/");
const jwksDoc = {
  description: "RFC 7517 JWK Set: the tenant's asymmetric public keys with kid, alg and use=sig.",
  schema: z.object({ keys: z.array(z.record(z.string(), z.string())) }),
};

jwksRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  summary: "The default tenant's JWKS (the only tenant, or ?tenantId=)",
  tags,
  auth: "none",
  responses: {
    200: jwksDoc,
    404: { description: "Several tenants and none named, or an unknown tenant (empty body)." },
  },
  handler: (c) => jwks(c, c.req.query("tenantId")),
});

jwksRoute({
  method: "get",
  path: "/:tenantId/.well-known/jwks.json",
  summary: "A tenant's JWKS",
  tags,
  auth: "none",
  responses: { 200: jwksDoc, 404: { description: "Unknown tenant (empty body)." } },
  handler: (c) => jwks(c, c.req.param("tenantId")),
});
