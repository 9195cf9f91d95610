/**
 * Wire shapes of /api/webhook (FusionAuth's `Webhook`, `WebhookRequest`, `WebhookResponse`) and of the
 * delivery log, plus the row → JSON mapping. Request schemas validate; response schemas document.
 *
 * Fields FusionAuth has and this service cannot honour (global webhooks, HTTP basic auth, client
 * certificates, Key Master signing keys) are refused with a 400 rather than silently dropped.
 * Retrieved webhooks can be sent back unchanged (PUT of a GET): read-only fields are accepted and
 * ignored, `global: false`, `tenantIds: [own tenant]` and `signatureConfiguration.enabled: true` too.
 */
import * as z from "zod";
import { EVENT_TYPES, type EventType } from "../domain/events.ts";
import type { WebhookSettings } from "../domain/webhooks.ts";
import type { webhookDeliveries, webhooks } from "../storage/d1/schema.ts";
import { uuid } from "./schemas.ts";

export type WebhookRow = typeof webhooks.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const unsupported = z.never().nullish().meta({ description: "Not supported; must be absent." });
const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);

/**
 * Known types map to booleans. An unknown name is refused when enabled and dropped when `false`
 * (FusionAuth clients often send their whole event list with most entries off).
 */
const eventsEnabled = z
  .record(z.string().min(1).max(100), z.boolean())
  .superRefine((events, ctx) => {
    if (Object.keys(events).length > 100) ctx.addIssue({ code: "custom", message: "too many event types" });
    for (const [name, on] of Object.entries(events)) {
      if (on && !KNOWN.has(name)) ctx.addIssue({ code: "custom", path: [name], message: "unknown event type" });
    }
  })
  .transform(
    (events) =>
      Object.fromEntries(Object.entries(events).filter(([name]) => KNOWN.has(name))) as Partial<
        Record<EventType, boolean>
      >,
  )
  .meta({ description: `Event type → enabled. Known types: ${EVENT_TYPES.join(", ")}.` });

/** Headers the dispatcher sets itself; an endpoint cannot override them. */
const RESERVED_HEADER = /^(content-type|content-length|host|x-edgemfa-.*)$/i;
const headers = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, "must be an HTTP header name")
      .refine((h) => !RESERVED_HEADER.test(h), "is set by the dispatcher"),
    z
      .string()
      .max(1024)
      .regex(/^[\x20-\x7e]*$/, "must be printable ASCII"),
  )
  .refine((h) => Object.keys(h).length <= 20, "at most 20 headers")
  .meta({ description: "Extra request headers sent with every delivery (not Content-Type, Host or X-EdgeMFA-*)." });

const timeout = (fallback: number, description: string) =>
  z.number().int().min(100).max(10_000).default(fallback).meta({ description });

export const webhookFields = z.object({
  url: z.string().trim().min(1).max(2048).meta({
    description:
      "https:// to a public host; http:// and loopback, private, link-local or internal targets only while ENVIRONMENT is development or test.",
  }),
  description: z.string().trim().max(255).optional(),
  eventsEnabled: eventsEnabled.default({}),
  headers: headers.default({}),
  connectTimeout: timeout(
    1000,
    "Milliseconds; stored for FusionAuth compatibility (the whole request is bounded by readTimeout).",
  ),
  readTimeout: timeout(5000, "Milliseconds: deadline of each delivery attempt."),
  data: z.record(z.string().max(100), z.unknown()).optional(),
  global: z.literal(false).optional().meta({ description: "Global webhooks are not supported: absent or false." }),
  tenantIds: z.array(uuid).max(1).optional().meta({ description: "Absent, or exactly the request's tenant." }),
  signatureConfiguration: z
    .object({ enabled: z.literal(true).optional(), signingKeyId: unsupported })
    .optional()
    .meta({ description: "Deliveries are always signed with the endpoint's HMAC secret (see docs/webhooks.md)." }),
  httpAuthenticationUsername: unsupported,
  httpAuthenticationPassword: unsupported,
  sslCertificate: unsupported,
  sslCertificateKeyId: unsupported,
  id: uuid.optional().meta({ description: "Ignored (the path names the webhook)." }),
  insertInstant: z.number().optional().meta({ description: "Ignored." }),
  lastUpdateInstant: z.number().optional().meta({ description: "Ignored." }),
});
export type WebhookFields = z.infer<typeof webhookFields>;

export const webhookRequest = z.object({ webhook: webhookFields });
export const webhookPatch = z.object({
  webhook: z.record(z.string(), z.unknown()).meta({
    description:
      "Any subset of the webhook fields; merged into the current webhook (null deletes a value), then validated as a whole.",
  }),
});

export function toSettings(w: WebhookFields): WebhookSettings {
  const s: WebhookSettings = {
    eventsEnabled: w.eventsEnabled,
    headers: w.headers,
    connectTimeout: w.connectTimeout,
    readTimeout: w.readTimeout,
  };
  if (w.description) s.description = w.description;
  if (w.data) s.data = w.data;
  return s;
}

export const webhookJson = z.object({
  id: uuid,
  url: z.string(),
  description: z.string().optional(),
  eventsEnabled: z.record(z.string(), z.boolean()),
  headers: z.record(z.string(), z.string()),
  connectTimeout: z.number().int(),
  readTimeout: z.number().int(),
  data: z.record(z.string(), z.unknown()).optional(),
  global: z.literal(false),
  tenantIds: z.array(uuid).length(1),
  signatureConfiguration: z.object({ enabled: z.literal(true) }),
  insertInstant: z.number().int(),
  lastUpdateInstant: z.number().int(),
});

export const webhookWithSecretJson = webhookJson.extend({
  signatureConfiguration: z.object({
    enabled: z.literal(true),
    secret: z.string().meta({ description: "The HMAC signing secret. Returned only on create and on rotation." }),
  }),
});

export function toWebhookJson(row: WebhookRow) {
  const s = row.settings as WebhookSettings;
  return {
    id: row.id,
    url: row.url,
    ...(s.description ? { description: s.description } : {}),
    eventsEnabled: s.eventsEnabled,
    headers: s.headers,
    connectTimeout: s.connectTimeout,
    readTimeout: s.readTimeout,
    ...(s.data ? { data: s.data } : {}),
    global: false as const,
    tenantIds: [row.tenantId],
    signatureConfiguration: { enabled: true as const },
    insertInstant: row.createdAt * 1000,
    lastUpdateInstant: row.updatedAt * 1000,
  };
}

/** The stored form PATCH merges into: what a PUT would have sent. */
export function mergeBase(row: WebhookRow): Record<string, unknown> {
  return { url: row.url, ...(row.settings as WebhookSettings) };
}

export const deliveryQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(25) });

export const deliveryJson = z.object({
  id: uuid,
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(["pending", "succeeded", "failed"]),
  attempts: z.number().int(),
  lastStatusCode: z
    .number()
    .int()
    .nullable()
    .meta({ description: "HTTP status of the last attempt; null when it got no response." }),
  lastError: z.string().nullable().meta({ description: "Short reason of the last failure (never a response body)." }),
  nextAttemptInstant: z.number().int().nullable(),
  createInstant: z.number().int(),
  lastAttemptInstant: z.number().int().nullable(),
});

export function toDeliveryJson(d: DeliveryRow) {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextAttemptInstant: d.nextAttemptAt === null ? null : d.nextAttemptAt * 1000,
    createInstant: d.createdAt * 1000,
    // Rows change only when queued and after each attempt, so once attempted, updated_at is the last attempt.
    lastAttemptInstant: d.attempts > 0 ? d.updatedAt * 1000 : null,
  };
}
