/**
 * GET /api/system/audit-log (and FusionAuth's /api/system/audit-log/search): the audit log of
 * administrative changes, newest first. Query parameters, each also accepted with FusionAuth's
 * `search.` prefix: `userId` (or `user`), `message`, `start`, `end` (epoch milliseconds),
 * `startRow`, `numberOfResults` (≤ 500). A tenant-scoped API key sees only its own tenant's rows.
 */
import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { errorsSchema } from "../openapi.ts";
import { apiRoutes } from "../http/route.ts";
import { searchAuditLog, toAuditLogJson } from "../services/admin/audit-log.ts";

const text = z.string().trim().min(1).max(256).optional();
const instant = z.coerce.number().int().min(0).optional();
export const auditQuery = z.object({
  userId: text,
  user: text,
  message: text,
  start: instant,
  end: instant,
  startRow: z.coerce.number().int().min(0).max(1_000_000).default(0),
  numberOfResults: z.coerce.number().int().min(1).max(500).default(25),
});

const auditLogJson = z.object({
  id: z.number().int(),
  insertInstant: z.number().int(),
  insertUser: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
  oldValue: z.unknown(),
  newValue: z.unknown(),
});

/** Accepts FusionAuth's `search.x` names as `x`. */
const searchQuery = z.preprocess(
  (raw) =>
    Object.fromEntries(
      Object.entries(raw as Record<string, string>).map(([k, v]) => [k.startsWith("search.") ? k.slice(7) : k, v]),
    ),
  auditQuery,
);

export const auditLogRoutes = new Hono<AppEnv>();
const route = apiRoutes(auditLogRoutes, "/api/system/audit-log");

for (const path of ["/", "/search"]) {
  route({
    method: "get",
    path,
    summary: "Search the audit log (newest first; a tenant-scoped key sees its tenant only)",
    tags: ["Audit log"],
    auth: "apiKey",
    query: searchQuery,
    responses: {
      200: {
        description: "Matching entries and the total count.",
        schema: z.object({ auditLogs: z.array(auditLogJson), total: z.number().int() }),
      },
      400: { description: "Invalid query (FusionAuth errors).", schema: errorsSchema },
    },
    handler: async (c, _, q) => {
      const { rows, total } = await searchAuditLog(c.var.services, c.var.auth.keyTenantId, {
        ...q,
        user: q.userId ?? q.user,
      });
      return c.json({ auditLogs: rows.map(toAuditLogJson), total });
    },
  });
}
