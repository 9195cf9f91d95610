/**
 * /api/api-key: create, retrieve, list and delete API keys.
 *
 * A key is stored only as `keyedHash(pepper, "api-key", key)`; the raw key appears once, in the
 * creation response (sent with `Cache-Control: no-store`), and never again. Authentication reads
 * D1 on every request (src/middleware/auth.ts), so a deleted key is refused on the next request.
 *
 * Scope: a key valid for all tenants (`keyTenantId === null`) manages every key. A tenant-scoped key
 * manages its own tenant's keys only: it cannot create a key for another tenant or an all-tenants
 * key (401), and another tenant's key, or an all-tenants key, answers 404 like a missing one. It
 * cannot choose a new key's id either (ids are global: see `refuseChosenIdFromTenantKey`).
 *
 * FusionAuth restrictions this service cannot enforce (endpoint permissions, expiry, IP ACLs) are
 * refused with a 400 rather than silently dropped, so nobody receives a broader key than asked for.
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { apiRoutes } from "../http/route.ts";
import { refuseChosenIdFromTenantKey } from "../middleware/auth.ts";
import { errorsSchema } from "../openapi.ts";
import { apiChange } from "../http/change-context.ts";
import { createApiKey, deleteApiKey, listApiKeys, visibleKeys, type ApiKeyRow } from "../services/admin/api-keys.ts";
import { apiKeys } from "../storage/d1/schema.ts";
import { chosenPathId, uuid } from "./schemas.ts";

type Ctx = Context<AppEnv>;

const unsupported = z.never().nullish().meta({ description: "Not supported; must be absent." });

const apiKeyFields = z.object({
  /** Printable ASCII without spaces: the Authorization header is trimmed and capped at 512. */
  key: z
    .string()
    .min(32)
    .max(512)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
    .optional()
    .meta({ description: "The key to store (≥ 32 characters). Omit to have 32 random bytes generated." }),
  tenantId: uuid.nullish().meta({
    description: "The tenant the key acts in; null or absent = all tenants (tenant-scoped callers: their own tenant).",
  }),
  metaData: z.object({ attributes: z.object({ description: z.string().max(255).optional() }).optional() }).optional(),
  permissions: z
    .object({
      endpoints: z
        .record(z.string(), z.never())
        .optional()
        .meta({ description: "Must be empty: per-endpoint permissions are not supported." }),
    })
    .nullish(),
  expirationInstant: unsupported,
  ipAccessControlListId: unsupported,
});
const apiKeyRequest = z.object({ apiKey: apiKeyFields.default({}) });

const apiKeyJson = z.object({
  id: uuid,
  tenantId: uuid.nullable(),
  metaData: z.object({ attributes: z.object({ description: z.string().optional() }) }),
  insertInstant: z.number().int(),
});
const createdJson = apiKeyJson.extend({
  key: z.string().meta({ description: "The raw key. Returned only in this response." }),
});

function toApiKeyJson(k: ApiKeyRow) {
  const attributes: { description?: string } = {};
  if (k.description !== null) attributes.description = k.description;
  return { id: k.id, tenantId: k.tenantId, metaData: { attributes }, insertInstant: k.createdAt * 1000 };
}

function pathKeyId(c: Ctx): string {
  const id = c.req.param("keyId") ?? "";
  if (!uuid.safeParse(id).success) throw ApiError.notFound();
  return id;
}

async function createKey(c: Ctx, id: string, { apiKey }: z.infer<typeof apiKeyRequest>, chosenId = false) {
  const own = c.var.auth.keyTenantId;
  // A tenant-scoped caller may only mint keys for its own tenant: never another tenant's, never an all-tenants key.
  const tenantId = own === null ? (apiKey.tenantId ?? null) : apiKey.tenantId === undefined ? own : apiKey.tenantId;
  if (own !== null && tenantId !== own) throw ApiError.unauthorized();
  if (chosenId) refuseChosenIdFromTenantKey(c, "keyId");

  const { row, key } = await createApiKey(c.var.services, apiChange(c), {
    id,
    tenantId,
    key: apiKey.key,
    description: apiKey.metaData?.attributes?.description ?? null,
  });
  c.header("Cache-Control", "no-store");
  return c.json({ apiKey: { ...toApiKeyJson(row), key } });
}

const tags = ["API keys"];
const invalid = { description: "Invalid request (FusionAuth errors).", schema: errorsSchema };
const missing = { description: "Not found, or not visible to this key (empty body)." };
const created = {
  200: { description: "Created. The raw key is in this response only.", schema: z.object({ apiKey: createdJson }) },
  400: invalid,
  401: {
    description:
      "Missing or invalid API key, or a tenant-scoped caller asked for a key outside its tenant (empty body).",
  },
};

export const apiKeyRoutes = new Hono<AppEnv>();
const route = apiRoutes(apiKeyRoutes, "/api/api-key");

route({
  method: "post",
  path: "/",
  summary: "Create an API key with a generated id",
  tags,
  auth: "apiKey",
  body: apiKeyRequest,
  responses: created,
  handler: (c, body) => createKey(c, crypto.randomUUID(), body),
});

route({
  method: "post",
  path: "/:keyId",
  summary: "Create an API key with the given id (keys valid for all tenants only)",
  tags,
  auth: "apiKey",
  body: apiKeyRequest,
  responses: created,
  before: (c) => chosenPathId(c, "keyId"),
  handler: (c, body, _q, id) => createKey(c, id, body, true),
});

route({
  method: "get",
  path: "/",
  summary: "List the API keys visible to this key",
  tags,
  auth: "apiKey",
  responses: {
    200: { description: "Keys (never the key itself).", schema: z.object({ apiKeys: z.array(apiKeyJson) }) },
  },
  handler: async (c) => {
    const rows = await listApiKeys(c.var.services, c.var.auth.keyTenantId);
    return c.json({ apiKeys: rows.map(toApiKeyJson) });
  },
});

route({
  method: "get",
  path: "/:keyId",
  summary: "Retrieve an API key",
  tags,
  auth: "apiKey",
  responses: {
    200: { description: "Found (never the key itself).", schema: z.object({ apiKey: apiKeyJson }) },
    404: missing,
  },
  handler: async (c) => {
    const [row] = await c.var.services.db
      .select()
      .from(apiKeys)
      .where(visibleKeys(c.var.auth.keyTenantId, pathKeyId(c)));
    if (!row) throw ApiError.notFound();
    return c.json({ apiKey: toApiKeyJson(row) });
  },
});

route({
  method: "delete",
  path: "/:keyId",
  summary: "Delete an API key (refused from the next request on)",
  tags,
  auth: "apiKey",
  responses: { 200: { description: "Deleted (empty body)." }, 404: missing },
  handler: async (c) => {
    if (!(await deleteApiKey(c.var.services, apiChange(c), c.var.auth.keyTenantId, pathKeyId(c))))
      throw ApiError.notFound();
    return c.body(null, 200);
  },
});
