/**
 * Webhook changes (create, update, delete, secret rotation), shared by /api/webhook and the admin
 * console; each change and its audit row are one D1 batch. The signing secret is returned once by
 * create and rotate and never audited (audit.ts redacts secret-named fields; none is passed here).
 */
import { and, count, desc, eq, sql } from "drizzle-orm";
import { webhookUrlProblem } from "../../domain/ssrf.ts";
import { newWebhookSecret, type WebhookSettings } from "../../domain/webhooks.ts";
import { isDevEnvironment } from "../../env.ts";
import { ApiError } from "../../errors.ts";
import { constraintViolation } from "../../storage/d1/results.ts";
import { webhookDeliveries, webhooks } from "../../storage/d1/schema.ts";
import type { Services } from "../container.ts";
import { auditedChange, auditSubject, type ChangeContext } from "./context.ts";

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** Each endpoint costs a fetch per event; a handful per tenant covers every real integration. */
export const MAX_WEBHOOKS_PER_TENANT = 10;

const hookIs = (tenantId: string, id: string) => and(eq(webhooks.id, id), eq(webhooks.tenantId, tenantId));
const hookValue = (w: WebhookRow) => ({ id: w.id, url: w.url, ...w.settings });
const hookAudit = auditSubject("webhook", "webhook", (w: WebhookRow) => ({
  tenantId: w.tenantId,
  id: w.id,
  label: w.url,
  value: hookValue(w),
}));

/**
 * The webhook URL policy (src/domain/ssrf.ts): https to a public host in production; http and local
 * listeners only while ENVIRONMENT is development or test. No userinfo.
 */
export function checkedWebhookUrl(s: Services, raw: string): string {
  const problem = webhookUrlProblem(raw, { production: !isDevEnvironment(s.config.ENVIRONMENT) });
  if (problem === "target") {
    throw ApiError.field(
      "webhook.url",
      "invalid",
      "The [webhook.url] must not point at a loopback, private, link-local or internal address.",
    );
  }
  if (problem !== null)
    throw ApiError.field("webhook.url", "invalid", "The [webhook.url] must be an https:// URL without credentials.");
  return new URL(raw).href;
}

export async function loadWebhook(s: Services, tenantId: string, id: string): Promise<WebhookRow | null> {
  const [row] = await s.db.select().from(webhooks).where(hookIs(tenantId, id));
  return row ?? null;
}

export function listWebhooks(s: Services, tenantId: string): Promise<WebhookRow[]> {
  return s.db.select().from(webhooks).where(eq(webhooks.tenantId, tenantId)).orderBy(webhooks.createdAt, webhooks.id);
}

export function listDeliveries(s: Services, hook: WebhookRow, limit: number): Promise<DeliveryRow[]> {
  return s.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, hook.tenantId), eq(webhookDeliveries.webhookId, hook.id)))
    .orderBy(desc(webhookDeliveries.createdAt), desc(sql`rowid`))
    .limit(limit);
}

/** Creates a webhook (url already checked); returns it with its signing secret, once. */
export async function createWebhook(
  s: Services,
  ctx: ChangeContext,
  tenantId: string,
  input: { id: string; url: string; settings: WebhookSettings },
): Promise<{ row: WebhookRow; secret: string }> {
  const { db, keyring, random, now } = s;
  // Count-then-insert can overshoot by a concurrent create or two; the cap bounds cost, not security.
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(webhooks).where(eq(webhooks.tenantId, tenantId));
  if (n >= MAX_WEBHOOKS_PER_TENANT)
    throw ApiError.general("[LimitExceeded]", `A tenant may have at most ${MAX_WEBHOOKS_PER_TENANT} webhooks.`);
  const { secret, secretEnc } = await newWebhookSecret(keyring, random, input.id, tenantId);
  const t = now();
  const row: WebhookRow = { ...input, tenantId, secretEnc, createdAt: t, updatedAt: t };
  try {
    await auditedChange(s, ctx, [db.insert(webhooks).values(row)], hookAudit.created(row));
  } catch (err) {
    if (constraintViolation(err)?.kind === "unique") {
      throw ApiError.field("webhook.id", "duplicate", "A webhook with this id already exists.");
    }
    throw err;
  }
  return { row, secret };
}

export async function updateWebhook(
  s: Services,
  ctx: ChangeContext,
  cur: WebhookRow,
  next: { url: string; settings: WebhookSettings },
): Promise<WebhookRow> {
  const row: WebhookRow = { ...cur, ...next, updatedAt: s.now() };
  const update = s.db
    .update(webhooks)
    .set({ url: row.url, settings: row.settings, updatedAt: row.updatedAt })
    .where(hookIs(cur.tenantId, cur.id));
  await auditedChange(s, ctx, [update], hookAudit.updated(cur, row));
  return row;
}

/** Deletes the webhook and (cascade) its delivery log; false when it is not in the tenant. */
export async function deleteWebhook(s: Services, ctx: ChangeContext, tenantId: string, id: string): Promise<boolean> {
  const cur = await loadWebhook(s, tenantId, id);
  return hookAudit.remove(s, ctx, cur, s.db.delete(webhooks).where(hookIs(tenantId, id)));
}

/** Replaces the signing secret (the old one stops at once, pending retries included); returns the new one. */
export async function rotateWebhookSecret(
  s: Services,
  ctx: ChangeContext,
  cur: WebhookRow,
): Promise<{ row: WebhookRow; secret: string }> {
  const { secret, secretEnc } = await newWebhookSecret(s.keyring, s.random, cur.id, cur.tenantId);
  const row: WebhookRow = { ...cur, secretEnc, updatedAt: s.now() };
  const update = s.db.update(webhooks).set({ secretEnc, updatedAt: row.updatedAt }).where(hookIs(cur.tenantId, cur.id));
  await auditedChange(
    s,
    ctx,
    [update],
    hookAudit.rotated(cur, { field: "secret", action: "secret", name: "signing secret" }),
  );
  return { row, secret };
}
