/**
 * The I/O behind the UserGuard's event flush (src/storage/durable-objects/guard-flush.ts): D1 for
 * the events API, the tenant's WebhookDispatcher, and the user's security notifications by email
 * and SMS through the configured senders (the dev outbox in development and tests).
 *
 * Alerts go to the addresses fixed when their event was queued (src/domain/alert-recipients.ts: the
 * account's email, else the email method's address, and, when the tenant allows it, the user's SMS
 * method); an entry queued without them is addressed from D1 at send time. They never contain a code, a secret or a link, and nothing about the
 * recipient is logged.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { renderAlertEmail, renderAlertSms } from "../domain/alert-message.ts";
import { alertRecipients, type AlertRecipients } from "../domain/alert-recipients.ts";
import type { EdgeEvent } from "../domain/events.ts";
import { completeTenantSettings } from "../settings.ts";
import { events as eventsTable, mfaMethods, type schema, tenants, users, webhooks } from "../storage/d1/schema.ts";
import { subscribes, type WebhookSettings } from "../domain/webhooks.ts";
import type { AlertSent, FlushDeps } from "../storage/durable-objects/guard-flush.ts";
import type { OutboxAlert } from "../storage/durable-objects/guard-events.ts";
import type { Senders } from "./senders.ts";
import type { WebhookDispatcher } from "../objects/webhook-dispatcher.ts";

/** D1 binds at most 100 parameters per statement; an event row has 6. */
const ROWS_PER_INSERT = 16;

/**
 * The flush's I/O over dependencies the composition root built (src/services/container.ts
 * `objectDeps`): `senders` answers null when the configuration is invalid (alerts then go nowhere).
 */
export function eventDeps(deps: {
  db: Db;
  senders: () => Senders | null;
  webhooks: (tenantId: string) => Pick<WebhookDispatcher, "enqueue">;
}): FlushDeps {
  const { db } = deps;
  return {
    async storeEvents(list) {
      // One D1 round trip: the inserts and the tenants' webhooks, so a flush of a tenant without a
      // webhook for these event types never calls its (tenant-wide) WebhookDispatcher.
      const inserts = [];
      for (let i = 0; i < list.length; i += ROWS_PER_INSERT) {
        const rows = list.slice(i, i + ROWS_PER_INSERT).map((e) => ({
          id: e.id,
          tenantId: e.tenantId,
          userId:
            typeof e.user?.id === "string" ? e.user.id : typeof e.actioneeUserId === "string" ? e.actioneeUserId : null,
          type: e.type,
          createInstant: e.createInstant,
          payload: e as unknown as Record<string, unknown>,
        }));
        inserts.push(db.insert(eventsTable).values(rows).onConflictDoNothing());
      }
      const tenantIds = [...new Set(list.map((e) => e.tenantId))];
      const hooksQuery = db
        .select({ tenantId: webhooks.tenantId, settings: webhooks.settings })
        .from(webhooks)
        .where(inArray(webhooks.tenantId, tenantIds));
      const results = await db.batch([hooksQuery, ...inserts]);
      const hooks = results[0] as Array<{ tenantId: string; settings: Record<string, unknown> }>;
      return list.filter((e) =>
        hooks.some((h) => h.tenantId === e.tenantId && subscribes(h.settings as WebhookSettings, e.type)),
      );
    },
    async enqueueWebhooks(tenantId, list) {
      await deps.webhooks(tenantId).enqueue(list);
    },
    sendAlert: (event, alert, sent) => sendAlert(db, deps.senders(), event, alert, sent),
  };
}

type Db = DrizzleD1Database<typeof schema>;

async function sendAlert(
  db: Db,
  senders: Senders | null,
  event: EdgeEvent,
  alert: OutboxAlert,
  sent: AlertSent,
): Promise<{ sent: AlertSent; done: boolean }> {
  const userId = typeof event.user?.id === "string" ? event.user.id : (event.actioneeUserId as string | undefined);
  try {
    const [tenant] = await db
      .select({ settings: tenants.settings })
      .from(tenants)
      .where(eq(tenants.id, event.tenantId))
      .limit(1);
    if (!tenant || !userId) return { sent, done: true };
    const settings = completeTenantSettings(tenant.settings);
    if (!settings.alertConfiguration.enabled) return { sent, done: true };
    const to = alert.to ?? (await recipientsNow(db, event.tenantId, userId));
    if (!to) return { sent, done: true };
    const email = to.email;
    const phone = settings.alertConfiguration.sms ? to.phone : null;
    const facts = {
      kind: alert.kind,
      issuer: settings.issuer,
      at: Math.floor(event.createInstant / 1000),
      ipAddress: event.info.ipAddress ?? null,
      location: event.info.location ?? null,
      userAgent: event.info.userAgent ?? null,
      factor: alert.factor ?? null,
      ...(alert.failures !== undefined ? { failures: alert.failures } : {}),
      methodName: alert.methodName ?? null,
      lockedUntil: alert.lockedUntil ?? null,
      changes: alert.changes ?? null,
    };
    const next: AlertSent = { ...sent };
    if (email && !next.email && senders?.mail) {
      const out = await senders.mail.send(
        { to: email, from: senders.mailFrom, ...renderAlertEmail(facts) },
        { idempotencyKey: `alert-${event.id}-email` },
      );
      next.email = out.ok;
    }
    if (phone && !next.sms && senders?.sms) {
      const out = await senders.sms.send(
        { to: phone, body: renderAlertSms(facts) },
        { idempotencyKey: `alert-${event.id}-sms` },
      );
      next.sms = out.ok;
    }
    const done = (!email || !senders?.mail || next.email === true) && (!phone || !senders?.sms || next.sms === true);
    if (!done)
      console.warn(
        JSON.stringify({ level: "warn", msg: "alert delivery failed", eventId: event.id, kind: alert.kind }),
      );
    return { sent: next, done };
  } catch (err) {
    console.warn(
      JSON.stringify({
        level: "warn",
        msg: "alert delivery failed",
        eventId: event.id,
        kind: alert.kind,
        error: String((err as Error)?.message ?? err).slice(0, 200),
      }),
    );
    return { sent, done: false };
  }
}

/** The user's notice addresses as stored now: for entries queued without them. Null when the user is gone. */
async function recipientsNow(db: Db, tenantId: string, userId: string): Promise<AlertRecipients | null> {
  const [user] = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.id, userId)))
    .limit(1);
  if (!user) return null;
  const methods = await db
    .select({ method: mfaMethods.method, email: mfaMethods.email, mobilePhone: mfaMethods.mobilePhone })
    .from(mfaMethods)
    .where(eq(mfaMethods.userId, userId));
  return alertRecipients({ email: user.email, twoFactor: { methods } });
}
