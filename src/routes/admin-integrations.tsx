/**
 * The admin console's integration pages (issue 14): webhooks (create, edit, delete, secret rotation,
 * deliveries), API keys (shown once, revoke) and signing keys (generate, delete, which key signs).
 * Split from admin.tsx along its sections; mounted by it, so its session, CSRF and 404 handling apply.
 */
import { Hono } from "hono";
import { EVENT_TYPES } from "../domain/events.ts";
import type { WebhookSettings } from "../domain/webhooks.ts";
import { ShownOnce } from "../pages/admin/components.tsx";
import { ApiKeysPage, KeysPage, WebhooksPage } from "../pages/admin/integrations.tsx";
import { createApiKey, deleteApiKey, listApiKeys } from "../services/admin/api-keys.ts";
import { deleteSigningKey, generateSigningKey, listSigningKeys } from "../services/admin/signing-keys.ts";
import { currentTenantKeyId } from "../services/signing-keys.ts";
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
import { mergeBase, toSettings, webhookFields } from "./webhook-schemas.ts";
import type { TenantRow } from "../storage/d1/schema.ts";
import { consoleChange, type AdminEnv } from "./admin-auth.tsx";

import { managedTenant, NotVisible, on, page, pathId, refusal, type Ctx } from "./admin-pages-shared.tsx";

export const integrationRoutes = new Hono<AdminEnv>();

// ---- Webhooks -------------------------------------------------------------------------------------

async function webhooksPage(
  c: Ctx,
  t: TenantRow,
  notice: { error?: string | null; info?: string | null } = {},
  secret?: string,
) {
  const s = c.var.services;
  const hooks = await Promise.all(
    (await listWebhooks(s, t.id)).map(async (h) => ({
      id: h.id,
      url: h.url,
      description: (h.settings as WebhookSettings).description ?? "",
      events: Object.entries((h.settings as WebhookSettings).eventsEnabled)
        .filter(([, v]) => v)
        .map(([k]) => k),
      deliveries: (await listDeliveries(s, h, 10)).map((d) => ({ event: d.eventType, status: d.status })),
    })),
  );
  return page(
    c,
    "Webhooks",
    t,
    "webhooks",
    <>
      {secret ? <ShownOnce label="Signing secret" value={secret} /> : null}
      <WebhooksPage tenantId={t.id} hooks={hooks} csrf={c.var.csrf} />
    </>,
    notice,
  );
}

integrationRoutes.get("/tenants/:tenantId/webhooks", async (c) => webhooksPage(c, await managedTenant(c)));

integrationRoutes.post("/tenants/:tenantId/webhooks", async (c) => {
  const t = await managedTenant(c);
  const p = c.var.params;
  try {
    const url = checkedWebhookUrl(c.var.services, p.url ?? "");
    const event = EVENT_TYPES.find((e) => e === p.event) ?? "user.login.success";
    const { secret } = await createWebhook(c.var.services, consoleChange(c), t.id, {
      id: crypto.randomUUID(),
      url,
      settings: {
        eventsEnabled: { [event]: true },
        connectTimeout: 1000,
        readTimeout: 2000,
        headers: {},
      },
    });
    return webhooksPage(c, t, {}, secret);
  } catch (err) {
    return webhooksPage(c, t, { error: refusal(err) });
  }
});

/** Edits URL, description and events; validated as a PUT of /api/webhook/{id} (same schema, URL policy, service). */
integrationRoutes.post("/tenants/:tenantId/webhooks/:webhookId", async (c) => {
  const t = await managedTenant(c);
  const cur = await loadWebhook(c.var.services, t.id, pathId(c, "webhookId"));
  if (!cur) throw new NotVisible();
  const p = c.var.params;
  const parsed = webhookFields.safeParse({
    ...mergeBase(cur),
    url: p.url ?? "",
    description: p.description ?? "",
    eventsEnabled: Object.fromEntries(EVENT_TYPES.filter((e) => on(p[`event.${e}`])).map((e) => [e, true])),
  });
  if (!parsed.success)
    return webhooksPage(c, t, {
      error: `Not saved. ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    });
  try {
    const url = checkedWebhookUrl(c.var.services, parsed.data.url);
    await updateWebhook(c.var.services, consoleChange(c), cur, { url, settings: toSettings(parsed.data) });
  } catch (err) {
    return webhooksPage(c, t, { error: refusal(err) });
  }
  return webhooksPage(c, t, { info: "Webhook saved." });
});

integrationRoutes.post("/tenants/:tenantId/webhooks/:webhookId/secret", async (c) => {
  const t = await managedTenant(c);
  const hook = await loadWebhook(c.var.services, t.id, pathId(c, "webhookId"));
  if (!hook) throw new NotVisible();
  const { secret } = await rotateWebhookSecret(c.var.services, consoleChange(c), hook);
  return webhooksPage(c, t, {}, secret);
});

integrationRoutes.post("/tenants/:tenantId/webhooks/:webhookId/delete", async (c) => {
  const t = await managedTenant(c);
  if (!(await deleteWebhook(c.var.services, consoleChange(c), t.id, pathId(c, "webhookId")))) throw new NotVisible();
  return webhooksPage(c, t, { info: "Webhook deleted." });
});

// ---- API keys, signing keys -----------------------------------------------------------------------

async function apiKeysPage(
  c: Ctx,
  t: TenantRow,
  notice: { error?: string | null; info?: string | null } = {},
  key?: string,
) {
  const keys = (await listApiKeys(c.var.services, t.id)).map((k) => ({ id: k.id, description: k.description }));
  return page(
    c,
    "API keys",
    t,
    "api-keys",
    <>
      {key ? <ShownOnce label="New API key" value={key} /> : null}
      <ApiKeysPage tenantId={t.id} keys={keys} csrf={c.var.csrf} />
    </>,
    notice,
  );
}

integrationRoutes.get("/tenants/:tenantId/api-keys", async (c) => apiKeysPage(c, await managedTenant(c)));

integrationRoutes.post("/tenants/:tenantId/api-keys", async (c) => {
  const t = await managedTenant(c);
  const description = (c.var.params.description ?? "").trim().slice(0, 255) || null;
  const { key } = await createApiKey(c.var.services, consoleChange(c), {
    id: crypto.randomUUID(),
    tenantId: t.id,
    description,
  });
  return apiKeysPage(c, t, {}, key);
});

integrationRoutes.post("/tenants/:tenantId/api-keys/:keyId/revoke", async (c) => {
  const t = await managedTenant(c);
  if (!(await deleteApiKey(c.var.services, consoleChange(c), t.id, pathId(c, "keyId")))) throw new NotVisible();
  return apiKeysPage(c, t, { info: "API key revoked." });
});

async function keysPage(c: Ctx, t: TenantRow, notice: { error?: string | null; info?: string | null } = {}) {
  const [rows, signingKeyId] = await Promise.all([
    listSigningKeys(c.var.services, t.id),
    currentTenantKeyId(c.var.services, t.id),
  ]);
  const keys = rows.map((k) => ({ id: k.id, name: k.name, algorithm: k.algorithm, kid: k.kid }));
  return page(
    c,
    "Signing keys",
    t,
    "keys",
    <KeysPage tenantId={t.id} keys={keys} signingKeyId={signingKeyId} csrf={c.var.csrf} />,
    notice,
  );
}

integrationRoutes.get("/tenants/:tenantId/keys", async (c) => keysPage(c, await managedTenant(c)));

integrationRoutes.post("/tenants/:tenantId/keys", async (c) => {
  const t = await managedTenant(c);
  const p = c.var.params;
  const name = (p.name ?? "").trim().slice(0, 191);
  const algorithm = p.algorithm === "ES256" ? "ES256" : "RS256";
  if (!name) return keysPage(c, t, { error: "Not saved. A name is required." });
  try {
    await generateSigningKey(c.var.services, consoleChange(c), t.id, { id: crypto.randomUUID(), name, algorithm });
  } catch (err) {
    return keysPage(c, t, { error: refusal(err) });
  }
  return keysPage(c, t, { info: `Generated ${name}.` });
});

integrationRoutes.post("/tenants/:tenantId/keys/:keyId/delete", async (c) => {
  const t = await managedTenant(c);
  if (!(await deleteSigningKey(c.var.services, consoleChange(c), t.id, pathId(c, "keyId")))) throw new NotVisible();
  return keysPage(c, t, { info: "Key deleted." });
});
