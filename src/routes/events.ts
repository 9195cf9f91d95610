/**
 * `GET /api/event` (edge-mfa extension): the tenant's recent events in FusionAuth's envelope, newest
 * first, optionally for one user and one type. Events reach D1 from the user's Durable Object a
 * couple of seconds after the decision they describe (the outbox alarm), so a just-finished login
 * may not be listed yet.
 */
import { Hono } from "hono";
import * as z from "zod";
import { EVENT_TYPES } from "../domain/events.ts";
import type { AppEnv } from "../env.ts";
import { requireTenant } from "../middleware/auth.ts";
import { INVALID_REQUEST } from "../openapi.ts";
import { apiRoutes } from "../http/route.ts";
import { listEvents } from "../services/admin/events.ts";
import { uuid } from "./schemas.ts";

const eventQuery = z.object({
  userId: uuid.optional(),
  type: z.enum(EVENT_TYPES).optional(),
  /** Only events created before this instant (ms): the cursor for the next page. */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

export const eventRoutes = new Hono<AppEnv>();

apiRoutes(
  eventRoutes,
  "/api/event",
)({
  method: "get",
  path: "/",
  summary: "Recent events of the tenant, or of one user (edge-mfa extension)",
  tags: ["Events"],
  auth: "apiKey",
  query: eventQuery,
  responses: {
    200: {
      description: "`{events: [{event}]}`, newest first; page with `before` = the last `createInstant`.",
      schema: z.object({ events: z.array(z.object({ event: z.record(z.string(), z.unknown()) })) }),
    },
    400: INVALID_REQUEST,
  },
  handler: async (c, _, q) => {
    const rows = await listEvents(c.var.services, requireTenant(c), q);
    return c.json({ events: rows.map((event) => ({ event })) });
  },
});
