/**
 * Development-only routes: the outbox of codes sent while MAIL_PROVIDER / SMS_PROVIDER is `outbox`.
 * They exist only when ENVIRONMENT is `development` or `test`; in production every /dev path answers
 * 404 exactly like an unknown path (and config validation refuses the outbox there). They need no
 * API key, which src/middleware/auth.ts records in DEV_ROUTES and test/routes/auth-coverage.test.ts pins.
 *
 *   GET /dev/outbox[?to=&limit=]  → {"messages": [{channel, to, from, subject, body, html, time, id}]}, newest first
 *   GET /dev/outbox.html          → the same as a page
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import { escapeHtml } from "../domain/message-template.ts";
import { isDevEnvironment, type AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { parseQuery } from "../http/validate.ts";
import type { OutboxMessage } from "../objects/dev-outbox.ts";

const outboxQuery = z.object({
  to: z.string().max(320).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const devRoutes = new Hono<AppEnv>();

devRoutes.use(async function devOnly(c, next) {
  if (!isDevEnvironment(c.var.config.ENVIRONMENT)) throw ApiError.notFound();
  await next();
});

async function listOutbox(c: Context<AppEnv>): Promise<OutboxMessage[]> {
  const q = parseQuery(c, outboxQuery);
  return c.var.services.outbox().list({ ...(q.to ? { to: q.to } : {}), ...(q.limit ? { limit: q.limit } : {}) });
}

devRoutes.get("/outbox", async (c) => c.json({ messages: await listOutbox(c) }));

devRoutes.get("/outbox.html", async (c) => {
  const rows = (await listOutbox(c))
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.time)}</td><td>${m.channel}</td><td>${escapeHtml(m.to)}</td><td>${escapeHtml(m.subject ?? "")}</td><td><pre>${escapeHtml(m.body)}</pre></td></tr>`,
    )
    .join("");
  const page =
    '<!doctype html><html><head><meta charset="utf-8"><title>edge-mfa dev outbox</title>' +
    "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}pre{margin:0;white-space:pre-wrap}</style>" +
    `</head><body><h1>Dev outbox</h1><p>Email and SMS the service sent (newest first). Development only.</p><table><tr><th>time</th><th>channel</th><th>to</th><th>subject</th><th>body</th></tr>${rows}</table></body></html>`;
  return c.html(page, 200, {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    "cache-control": "no-store",
  });
});
