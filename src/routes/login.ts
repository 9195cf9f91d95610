/**
 * POST /api/login: 200 token (202 when not registered for the `applicationId`), 242 two-factor challenge, 404 bad credentials (no enumeration), 409 locked
 * (to the right password, or on the failure that sets the lock; src/services/challenges.ts passwordLogin).
 */
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { ACCOUNT_LOCKED, INVALID_REQUEST } from "../openapi.ts";
import { apiRoutes } from "../http/route.ts";
import { ensureDeviceCookie, eventInfoSchema, requestFacts } from "../http/request-info.ts";
import { requireTenantRow } from "../middleware/auth.ts";
import { passwordLogin } from "../services/challenges.ts";
import { tenantContext } from "../services/tenant-context.ts";
import { loginResponse, twoFactorChallenge, uuid } from "./schemas.ts";
import { answer } from "./outcomes.ts";

export const loginRequest = z.object({
  loginId: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(256),
  applicationId: uuid.optional(),
  twoFactorTrustId: z.string().max(128).optional(),
  noJWT: z.boolean().optional(),
  ipAddress: z.string().max(64).optional(),
  metaData: z.record(z.string(), z.unknown()).optional(),
  eventInfo: eventInfoSchema.optional(),
});

export const loginRoutes = new Hono<AppEnv>();

apiRoutes(
  loginRoutes,
  "/api/login",
)({
  method: "post",
  path: "/",
  summary: "Log in with a password; 242 when a second factor is due",
  tags: ["Login"],
  auth: "apiKey",
  body: loginRequest,
  responses: {
    200: { description: "Authenticated (no second factor due, or a valid device trust).", schema: loginResponse },
    202: {
      description:
        "Authenticated, but not registered for the `applicationId`: same body; the token has no applicationId or roles claims.",
      schema: loginResponse,
    },
    242: {
      description: "Credentials accepted; complete the challenge with /api/two-factor/login.",
      schema: twoFactorChallenge,
    },
    400: INVALID_REQUEST,
    404: {
      description:
        "Unknown user or wrong password (same empty answer, same work), also for an account that is already locked.",
    },
    409: ACCOUNT_LOCKED,
  },
  handler: async (c, body) => {
    // FusionAuth: the `fusionauth.trust` cookie wins over the body's twoFactorTrustId.
    const twoFactorTrustId = getCookie(c, "fusionauth.trust") ?? body.twoFactorTrustId;
    const facts = requestFacts(c, body);
    const out = await passwordLogin(c.var.services, tenantContext(requireTenantRow(c)), {
      ...body,
      twoFactorTrustId,
      facts,
    });
    // Only after a completed login: nothing is set on a 242 (no cookie before the second factor).
    if (out.kind === "complete" || out.kind === "not-registered") ensureDeviceCookie(c, facts, c.var.services.random);
    return answer(c, out);
  },
});
