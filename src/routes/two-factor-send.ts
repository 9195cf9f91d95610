/**
 * /api/two-factor/send: codes by email or SMS. With `twoFactorId` (path segment or query, no API
 * key, like FusionAuth) for a login or step-up challenge; without, API-key gated, for enabling or
 * disabling a method. Both answer 200 with an empty body (FusionAuth API docs, Two Factor: Send a Multi-Factor Code).
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import { clientIpBucket } from "../domain/client-ip.ts";
import type { AppEnv } from "../env.ts";
import { ACCOUNT_LOCKED, errorsSchema, UNKNOWN_USER } from "../openapi.ts";
import { ApiError } from "../errors.ts";
import { parseBody } from "../http/validate.ts";
import { apiRoutes } from "../http/route.ts";
import { requireTenantRow } from "../middleware/auth.ts";
import { tenantContext } from "../services/tenant-context.ts";
import { sendChallengeCode, sendMethodCode } from "../services/oob-send.ts";
import { email, phone, uuid } from "./schemas.ts";
import { tenantHeader } from "../http/request-info.ts";

const methodId = z.string().min(1).max(16);
const messageType = z.enum(["SMS", "Voice"]);

export const methodSendRequest = z.object({
  userId: uuid.optional(),
  method: z.enum(["email", "sms"]).optional(),
  email: email.optional(),
  mobilePhone: phone.optional(),
  methodId: methodId.optional(),
  applicationId: uuid.optional(),
  messageType: messageType.optional(),
});

export const challengeSendRequest = z.object({
  methodId: methodId.optional(),
  messageType: messageType.optional(),
  applicationId: uuid.optional(),
});

export const twoFactorSendRoutes = new Hono<AppEnv>();
const route = apiRoutes(twoFactorSendRoutes, "/api/two-factor/send");

async function challengeSend(c: Context<AppEnv>, twoFactorId: string, body: z.infer<typeof challengeSendRequest>) {
  if (body.messageType === "Voice")
    throw ApiError.field("messageType", "invalid", "Voice messages are not supported; use SMS.");
  if (twoFactorId.length > 128) throw ApiError.notFound();
  await sendChallengeCode(c.var.services, {
    twoFactorId,
    ...(body.methodId ? { methodId: body.methodId } : {}),
    headerTenantId: tenantHeader(c),
    clientIp: clientIpBucket(c.req.header("cf-connecting-ip")),
  });
  return c.body(null, 200);
}

const tags = ["Two-factor"];
const invalid = {
  description:
    "Invalid request, or the provider refused the destination (`[invalid]`, `[suppressed]`, `[notAllowed]` on `email`/`mobilePhone`).",
  schema: errorsSchema,
};
const sendResponses = {
  200: { description: "Sent (empty body)." },
  400: invalid,
  409: ACCOUNT_LOCKED,
  429: { description: "A send cap was reached; `Retry-After` says when to try again.", schema: errorsSchema },
  502: { description: "The mail or SMS provider is not configured or refuses our credentials.", schema: errorsSchema },
  503: {
    description: "The provider is unavailable or throttling; `Retry-After` says when to try again.",
    schema: errorsSchema,
  },
};

route({
  method: "post",
  path: "/",
  summary: "Send a code by email or SMS for enabling (method + email/mobilePhone) or disabling (methodId) a method",
  tags,
  auth: "apiKey",
  body: methodSendRequest,
  // The guide's `?twoFactorId=` form is the anonymous login send (auth.ts lets it through without a
  // key) and carries a challengeSendRequest: which schema applies depends on the query.
  parse: false,
  responses: { ...sendResponses, 404: UNKNOWN_USER },
  handler: async (c) => {
    const query = new URL(c.req.url).searchParams;
    if (query.has("twoFactorId"))
      return challengeSend(c, query.get("twoFactorId") ?? "", await parseBody(c, challengeSendRequest));
    const body = await parseBody(c, methodSendRequest);
    await sendMethodCode(c.var.services, tenantContext(requireTenantRow(c)), body);
    return c.body(null, 200);
  },
});

route({
  method: "post",
  path: "/:twoFactorId",
  summary: "Send a login or step-up code to one of the challenge's email/SMS methods; invalidates earlier codes",
  tags,
  auth: "none",
  // FusionAuth's deprecated form sends no body (text/plain, length 0): then the user's only email/SMS method.
  body: challengeSendRequest,
  responses: { ...sendResponses, 404: { description: "Unknown or expired twoFactorId (empty)." } },
  handler: (c, body) => challengeSend(c, c.req.param("twoFactorId") ?? "", body),
});
