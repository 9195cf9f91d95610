/**
 * An application's OAuth client settings (API key required, mounted under /api/application):
 * `GET /{id}/oauth-configuration` (FusionAuth's retrieveOauthConfiguration, without the secret, which
 * edge-mfa keeps only as a hash) and `POST /{id}/oauth-configuration/client-secret`, which replaces
 * the secret and returns the new one once.
 */
import { and, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { requireTenant } from "../middleware/auth.ts";
import { apiRoutes } from "../http/route.ts";
import { apiChange } from "../http/change-context.ts";
import { rotateApplicationSecret } from "../services/admin/tenants.ts";
import { completeApplicationSettings } from "../settings.ts";
import { applications } from "../storage/d1/schema.ts";
import { uuid } from "./schemas.ts";

type Ctx = Context<AppEnv>;

function applicationId(c: Ctx): string {
  const id = c.req.param("applicationId") ?? "";
  if (!uuid.safeParse(id).success) throw ApiError.notFound();
  return id.toLowerCase();
}

export const oauthClientRoutes = new Hono<AppEnv>();

const route = apiRoutes(oauthClientRoutes, "/api/application");
const tags = ["Applications"];
const missing = { description: "Not found, or not visible to this key (empty body)." };

route({
  method: "get",
  path: "/:applicationId/oauth-configuration",
  summary: "Retrieve an application's OAuth configuration (never the client secret)",
  tags,
  auth: "apiKey",
  responses: {
    200: {
      description: "The OAuth configuration.",
      schema: z.object({
        oauthConfiguration: z.record(z.string(), z.unknown()),
        httpSessionMaxInactiveInterval: z.number().int(),
        logoutURL: z.string().nullable(),
      }),
    },
    404: missing,
  },
  handler: async (c) => {
    const tenantId = requireTenant(c);
    const id = applicationId(c);
    const [row] = await c.var.services.db
      .select()
      .from(applications)
      .where(and(eq(applications.tenantId, tenantId), eq(applications.id, id)))
      .limit(1);
    if (!row) throw ApiError.notFound();
    const oauth = completeApplicationSettings(row.settings).oauthConfiguration;
    return c.json({
      oauthConfiguration: { ...oauth, clientId: row.id },
      httpSessionMaxInactiveInterval: 3600,
      logoutURL: oauth.logoutURL,
    });
  },
});

route({
  method: "post",
  path: "/:applicationId/oauth-configuration/client-secret",
  summary: "Replace the client secret; the new secret is returned once",
  tags,
  auth: "apiKey",
  responses: {
    200: {
      description: "The new secret (shown only here).",
      schema: z.object({ oauthConfiguration: z.object({ clientId: z.string(), clientSecret: z.string() }) }),
    },
    404: missing,
  },
  handler: async (c) => {
    const tenantId = requireTenant(c);
    const id = applicationId(c);
    const secret = await rotateApplicationSecret(c.var.services, apiChange(c), tenantId, id);
    if (!secret) throw ApiError.notFound();
    c.header("Cache-Control", "no-store");
    return c.json({ oauthConfiguration: { clientId: id, clientSecret: secret } });
  },
});
