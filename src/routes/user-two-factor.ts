/**
 * /api/user/two-factor/{userId}: enable (POST), disable (DELETE, query or JSON body), and
 * /api/user/two-factor/recovery-code/{userId}: regenerate (POST) and status (GET).
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { INVALID_REQUEST, UNKNOWN_USER, CODE_CHECK_RESPONSES } from "../openapi.ts";
import { ApiError } from "../errors.ts";
import { parseQuery, readJsonBody, validateObject } from "../http/validate.ts";
import { apiRoutes } from "../http/route.ts";
import { eventInfoSchema, requestFacts } from "../http/request-info.ts";
import { requireTenantRow } from "../middleware/auth.ts";
import { tenantContext } from "../services/tenant-context.ts";
import { disableMethod, recoveryCodeStatus, regenerateRecoveryCodes } from "../services/two-factor.ts";
import { enrolMethod } from "../services/enrol-method.ts";
import { requireStepUpFor, stepUpNote, TRUST_TOKEN_HEADER } from "../services/step-up.ts";
import { codeField, email, phone, twoFactorMethodKind, uuid } from "./schemas.ts";

export const enableRequest = z.object({
  code: codeField,
  method: twoFactorMethodKind,
  secret: z.string().max(128).optional(),
  secretBase32Encoded: z.string().max(128).optional(),
  email: email.optional(),
  mobilePhone: phone.optional(),
  name: z.string().max(100).optional(),
  applicationId: uuid.optional(),
  twoFactorId: z.string().max(128).optional(),
  authenticatorId: z.string().max(64).optional(),
  eventInfo: eventInfoSchema.optional(),
});

export const disableRequest = z.object({
  code: codeField,
  methodId: z.string().max(16).optional(),
  applicationId: uuid.optional(),
  eventInfo: eventInfoSchema.optional(),
});

/** A malformed id names no user: same answer as a missing one (before the body is read). */
function userIdParam(c: Context<AppEnv>): string {
  const id = c.req.param("userId") ?? "";
  if (!uuid.safeParse(id).success) throw ApiError.notFound();
  return id;
}

const tags = ["Two-factor"];

export const userTwoFactorRoutes = new Hono<AppEnv>();
const route = apiRoutes(userTwoFactorRoutes, "/api/user/two-factor");

route({
  method: "post",
  path: "/:userId",
  summary: "Enable a method after verifying its code",
  description: stepUpNote("mfa:add-method"),
  tags,
  auth: "apiKey",
  body: enableRequest,
  responses: {
    200: {
      description:
        "Enabled; `recoveryCodes` (shown once) when it is the first method, `code` when a twoFactorId was given.",
      schema: z.object({ recoveryCodes: z.array(z.string()).optional(), code: z.string().optional() }),
    },
    ...CODE_CHECK_RESPONSES,
  },
  before: userIdParam,
  handler: async (c, body, _q, userId) => {
    const ctx = tenantContext(requireTenantRow(c));
    await requireStepUpFor(c.var.services, ctx, userId, "mfa:add-method", c.req.header(TRUST_TOKEN_HEADER));
    const info = requestFacts(c, body).info;
    return c.json(await enrolMethod(c.var.services, ctx, userId, { ...body, info }));
  },
});

route({
  method: "delete",
  path: "/:userId",
  summary: "Disable a method with its code; a recovery code removes every method",
  tags,
  auth: "apiKey",
  query: disableRequest,
  // disableTwoFactor sends ?methodId=&code=; disableTwoFactorWithRequest sends a JSON body on the DELETE.
  parse: false,
  responses: {
    200: { description: "Removed (empty body)." },
    ...CODE_CHECK_RESPONSES,
  },
  before: userIdParam,
  handler: async (c, _b, _q, userId) => {
    const raw = await readJsonBody(c);
    const input = raw === undefined ? parseQuery(c, disableRequest) : validateObject(raw, disableRequest);
    await disableMethod(c.var.services, tenantContext(requireTenantRow(c)), userId, {
      ...input,
      info: requestFacts(c, input).info,
    });
    return c.body(null, 200);
  },
});

export const recoveryCodeRoutes = new Hono<AppEnv>();
const recoveryRoute = apiRoutes(recoveryCodeRoutes, "/api/user/two-factor/recovery-code");

recoveryRoute({
  method: "post",
  path: "/:userId",
  summary: "Replace the user's recovery codes (10, shown once)",
  description: stepUpNote("mfa:regenerate-recovery-codes"),
  tags,
  auth: "apiKey",
  responses: {
    200: { description: "New codes; the old set is dead.", schema: z.object({ recoveryCodes: z.array(z.string()) }) },
    400: INVALID_REQUEST,
    404: UNKNOWN_USER,
  },
  before: userIdParam,
  handler: async (c, _b, _q, userId) => {
    const ctx = tenantContext(requireTenantRow(c));
    await requireStepUpFor(
      c.var.services,
      ctx,
      userId,
      "mfa:regenerate-recovery-codes",
      c.req.header(TRUST_TOKEN_HEADER),
    );
    const recoveryCodes = await regenerateRecoveryCodes(c.var.services, ctx, userId, requestFacts(c).info);
    return c.json({ recoveryCodes });
  },
});

recoveryRoute({
  method: "get",
  path: "/:userId",
  summary: "How many recovery codes remain (codes are hashed and cannot be shown again)",
  tags,
  auth: "apiKey",
  responses: {
    200: {
      description: "Always an empty list plus the count.",
      schema: z.object({ recoveryCodes: z.array(z.string()).max(0), remainingRecoveryCodes: z.number() }),
    },
    404: UNKNOWN_USER,
  },
  before: userIdParam,
  handler: async (c, _b, _q, userId) =>
    c.json(await recoveryCodeStatus(c.var.services, tenantContext(requireTenantRow(c)), userId)),
});
