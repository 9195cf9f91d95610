/**
 * /api/webhook: FusionAuth's webhook CRUD (create, retrieve, list, PUT replace, PATCH merge, delete)
 * plus two edge-mfa extensions: `POST /api/webhook/{id}/secret` rotates the signing secret and
 * `GET /api/webhook/{id}/delivery` reads the delivery log. Deliveries themselves are sent by the
 * tenant's WebhookDispatcher Durable Object (docs/webhooks.md).
 *
 * Tenancy: a webhook belongs to the request's tenant (`requireTenant`). Another tenant's webhook id
 * answers 404 exactly like a missing one, for every method.
 *
 * The signing secret appears in the create and rotate responses only (sent with
 * `Cache-Control: no-store`), never in GET/PUT/PATCH answers or logs; rotating kills the old secret
 * at once, pending retries included (the dispatcher reads the secret at send time).
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { parseUpdate } from "../http/merge.ts";
import { apiRoutes, createRoutes } from "../http/route.ts";
import { requireTenant } from "../middleware/auth.ts";
import { errorsSchema } from "../openapi.ts";
import { apiChange } from "../http/change-context.ts";
import {
  checkedWebhookUrl,
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  loadWebhook,
  rotateWebhookSecret,
  updateWebhook,
} from "../services/admin/webhooks.ts";
import { chosenPathId, uuid } from "./schemas.ts";
import {
  deliveryJson,
  deliveryQuery,
  mergeBase,
  toDeliveryJson,
  toSettings,
  toWebhookJson,
  webhookFields,
  webhookJson,
  webhookPatch,
  webhookRequest,
  webhookWithSecretJson,
  type WebhookFields,
  type WebhookRow,
} from "./webhook-schemas.ts";

type Ctx = Context<AppEnv>;

/** Checks what zod cannot know (the URL policy, the tenant) and returns the row's url and settings. */
function toStored(c: Ctx, tenantId: string, w: WebhookFields) {
  if (w.tenantIds && (w.tenantIds.length !== 1 || w.tenantIds[0]!.toLowerCase() !== tenantId)) {
    throw ApiError.field("webhook.tenantIds", "invalid", "The [webhook.tenantIds] may only name the request's tenant.");
  }
  return { url: checkedWebhookUrl(c.var.services, w.url), settings: toSettings(w) };
}

function pathWebhookId(c: Ctx): string {
  const id = c.req.param("webhookId") ?? "";
  if (!uuid.safeParse(id).success) throw ApiError.notFound();
  return id.toLowerCase();
}

async function ownWebhook(c: Ctx): Promise<WebhookRow> {
  const tenantId = requireTenant(c);
  const row = await loadWebhook(c.var.services, tenantId, pathWebhookId(c));
  if (!row) throw ApiError.notFound();
  return row;
}

function withSecret(row: WebhookRow, secret: string) {
  return { webhook: { ...toWebhookJson(row), signatureConfiguration: { enabled: true as const, secret } } };
}

async function create(c: Ctx, tenantId: string, id: string, body: z.infer<typeof webhookRequest>) {
  const { url, settings } = toStored(c, tenantId, body.webhook);
  const { row, secret } = await createWebhook(c.var.services, apiChange(c), tenantId, { id, url, settings });
  c.header("Cache-Control", "no-store");
  return c.json(withSecret(row, secret));
}

const tags = ["Webhooks"];
const one = z.object({ webhook: webhookJson });
const withSecretDoc = {
  description: "The webhook with its signing secret (this response only; Cache-Control: no-store).",
  schema: z.object({ webhook: webhookWithSecretJson }),
};
const invalid = {
  description: "Invalid request (FusionAuth errors), or the tenant's webhook limit is reached.",
  schema: errorsSchema,
};
const missing = { description: "Not found, or another tenant's webhook (empty body)." };

export const webhookRoutes = new Hono<AppEnv>();
const route = apiRoutes(webhookRoutes, "/api/webhook");
const doc = { tags, auth: "apiKey" as const };

createRoutes(route, {
  ...doc,
  path: "/",
  param: "webhookId",
  summaries: ["Create a webhook with a generated id", "Create a webhook with the given id"],
  body: webhookRequest,
  responses: { 200: withSecretDoc, 400: invalid },
  chosenId: chosenPathId,
  tenant: requireTenant,
  create,
});

route({
  ...doc,
  method: "get",
  path: "/",
  summary: "List the tenant's webhooks",
  responses: {
    200: { description: "Webhooks (never a secret).", schema: z.object({ webhooks: z.array(webhookJson) }) },
  },
  handler: async (c) => {
    const rows = await listWebhooks(c.var.services, requireTenant(c));
    return c.json({ webhooks: rows.map(toWebhookJson) });
  },
});

route({
  ...doc,
  method: "get",
  path: "/:webhookId",
  summary: "Retrieve a webhook",
  responses: { 200: { description: "Found (never the secret).", schema: one }, 404: missing },
  handler: async (c) => c.json({ webhook: toWebhookJson(await ownWebhook(c)) }),
});

// parseUpdate reads the body: PATCH merges it into the stored webhook before validating (RFC 7396).
for (const [mode, summary, body] of [
  ["put", "Replace a webhook", webhookRequest],
  ["patch", "Merge into a webhook", webhookPatch],
] as const)
  route({
    ...doc,
    method: mode,
    path: "/:webhookId",
    summary,
    body,
    parse: false,
    responses: { 200: { description: "Updated.", schema: one }, 400: invalid, 404: missing },
    handler: async (c) => {
      const cur = await ownWebhook(c);
      const fields = await parseUpdate(c, mode, "webhook", webhookFields, mergeBase(cur));
      const { url, settings } = toStored(c, cur.tenantId, fields);
      const row = await updateWebhook(c.var.services, apiChange(c), cur, { url, settings });
      return c.json({ webhook: toWebhookJson(row) });
    },
  });

route({
  ...doc,
  method: "delete",
  path: "/:webhookId",
  summary: "Delete a webhook and its delivery log",
  responses: { 200: { description: "Deleted (empty body)." }, 404: missing },
  handler: async (c) => {
    const tenantId = requireTenant(c);
    // The delivery log cascades; the dispatcher drops queued tasks of a webhook it can no longer find.
    if (!(await deleteWebhook(c.var.services, apiChange(c), tenantId, pathWebhookId(c)))) throw ApiError.notFound();
    return c.body(null, 200);
  },
});

route({
  ...doc,
  method: "post",
  path: "/:webhookId/secret",
  summary: "Rotate the signing secret (edge-mfa extension; the old secret stops at once)",
  responses: { 200: withSecretDoc, 404: missing },
  handler: async (c) => {
    const cur = await ownWebhook(c);
    const { row, secret } = await rotateWebhookSecret(c.var.services, apiChange(c), cur);
    c.header("Cache-Control", "no-store");
    return c.json(withSecret(row, secret));
  },
});

route({
  ...doc,
  method: "get",
  path: "/:webhookId/delivery",
  summary: "The webhook's delivery log, newest first (edge-mfa extension)",
  query: deliveryQuery,
  responses: {
    200: {
      description: "One entry per (webhook, event), updated on every attempt.",
      schema: z.object({ deliveries: z.array(deliveryJson) }),
    },
    400: invalid,
    404: missing,
  },
  handler: async (c, _b, { limit }) => {
    const hook = await ownWebhook(c);
    const rows = await listDeliveries(c.var.services, hook, limit);
    return c.json({ deliveries: rows.map(toDeliveryJson) });
  },
});
