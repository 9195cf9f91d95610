/**
 * /api/two-factor: secret offer, start (step-up), login (completion; no API key, like FusionAuth),
 * and trust status.
 */
import { Hono, type Context } from "hono";
import { setCookie } from "hono/cookie";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { ACCOUNT_LOCKED, INVALID_REQUEST, UNKNOWN_USER, WRONG_CODE } from "../openapi.ts";
import { ApiError } from "../errors.ts";
import { parseQuery } from "../http/validate.ts";
import { apiRoutes, mountOnly } from "../http/route.ts";
import { ensureDeviceCookie, eventInfoSchema, requestFacts, tenantHeader } from "../http/request-info.ts";
import { confirmKeyInRoute, requireTenantRow } from "../middleware/auth.ts";
import { startTwoFactor } from "../services/two-factor-start.ts";
import { tenantContext } from "../services/tenant-context.ts";
import { completeTwoFactor } from "../services/complete-two-factor.ts";
import { trustStatus } from "../services/trust.ts";
import { offerSecret } from "../services/two-factor.ts";
import { completeTenantSettings } from "../settings.ts";
import { challengeMethodJson, codeField, loginResponse, uuid } from "./schemas.ts";
import { assertionCredential } from "./webauthn.ts";
import { answer } from "./outcomes.ts";

export const startRequest = z.object({
  userId: uuid.optional(),
  loginId: z.string().trim().min(1).max(254).optional(),
  applicationId: uuid.optional(),
  /**
   * A caller-supplied code: at least 6 letters or digits, so a guess has at most a 2^-20 chance
   * (NIST SP 800-63B §5.1.3.2). FusionAuth accepts shorter codes; a 4-digit code (~13 bits) is refused here.
   */
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{6,32}$/, "must be 6 to 32 letters or digits")
    .optional()
    .meta({
      description:
        "Instead of a generated 6-digit code: 6 to 32 letters or digits (FusionAuth also accepts shorter ones).",
    }),
  state: z.record(z.string(), z.unknown()).optional(),
  trustChallenge: z.string().max(256).optional(),
});

export const twoFactorLoginRequest = z.object({
  twoFactorId: z.string().min(1).max(128),
  /** Required unless `webauthn` is sent. */
  code: codeField.optional(),
  /** Extension: a passkey assertion for a ceremony started with POST /api/webauthn/start {twoFactorId}. */
  webauthn: assertionCredential.optional(),
  trustComputer: z.boolean().optional(),
  applicationId: uuid.optional(),
  noJWT: z.boolean().optional(),
  ipAddress: z.string().max(64).optional(),
  metaData: z.record(z.string(), z.unknown()).optional(),
  eventInfo: eventInfoSchema.optional(),
});

export const statusRequest = z.object({
  userId: uuid,
  applicationId: uuid.optional(),
  twoFactorTrustId: z.string().max(128).optional(),
  action: z.enum(["login", "changePassword", "stepUp"]).optional(),
});

const TRUST_COOKIE = "fusionauth.trust";

export const twoFactorRoutes = new Hono<AppEnv>();
const route = apiRoutes(twoFactorRoutes, "/api/two-factor");
const tags = ["Two-factor"];

route({
  method: "get",
  path: "/secret",
  summary: "Generate a TOTP secret (160 bits) for enrolment",
  tags,
  auth: "apiKey",
  responses: {
    200: {
      description: "The same bytes as Base64 and Base32, and an otpauth:// URI.",
      schema: z.object({ secret: z.string(), secretBase32Encoded: z.string(), otpauthURI: z.string() }),
    },
  },
  handler: (c) => {
    const tenant = c.var.auth.tenant;
    const issuer = tenant ? completeTenantSettings(tenant.settings).issuer : "edge-mfa";
    return c.json(offerSecret(c.var.services, issuer));
  },
});

route({
  method: "post",
  path: "/start",
  summary: "Start a challenge (step-up); the answer carries the one-time code",
  tags,
  auth: "apiKey",
  body: startRequest,
  responses: {
    200: {
      description: "Challenge started.",
      schema: z.object({ code: z.string(), twoFactorId: z.string(), methods: z.array(challengeMethodJson).optional() }),
    },
    400: INVALID_REQUEST,
    404: UNKNOWN_USER,
    409: ACCOUNT_LOCKED,
  },
  handler: async (c, body) => {
    const { unconfirmedKey, tenantId } = c.var.auth;
    const tenant =
      unconfirmedKey === undefined || tenantId === null
        ? tenantContext(requireTenantRow(c))
        : { tenantId, keyDigest: unconfirmedKey };
    return answer(c, await startTwoFactor(c.var.services, tenant, body));
  },
  // The key was checked in the service's batch only on success: any error answers 401 first when the key is gone.
  onError: async (c, err) => {
    if (c.var.auth.unconfirmedKey !== undefined && c.var.auth.tenantId !== null) await confirmKeyInRoute(c);
    throw err;
  },
});

route({
  method: "post",
  path: "/login",
  summary: "Complete a challenge with a TOTP, one-time or recovery code, or a passkey (`webauthn`)",
  tags,
  auth: "none",
  body: twoFactorLoginRequest,
  responses: {
    200: { description: "Completed.", schema: loginResponse },
    202: {
      description:
        "Completed, but the user is not registered for the challenge's application: the token has no applicationId or roles.",
      schema: loginResponse,
    },
    400: INVALID_REQUEST,
    404: { description: "Unknown or expired twoFactorId (empty)." },
    409: ACCOUNT_LOCKED,
    421: WRONG_CODE,
  },
  handler: async (c, body) => {
    if (body.code === undefined && body.webauthn === undefined)
      throw ApiError.field("code", "blank", "You must specify [code].");
    const headerTenant = tenantHeader(c);
    const facts = requestFacts(c, body);
    const out = await completeTwoFactor(c.var.services, { ...body, info: facts.info }, headerTenant);
    if (out.kind !== "complete" && out.kind !== "not-registered") return answer(c, out);
    ensureDeviceCookie(c, facts, c.var.services.random);
    if (out.trust)
      setCookie(c, TRUST_COOKIE, out.trust.id, {
        path: "/",
        httpOnly: true,
        secure: true,
        sameSite: "Lax",
        maxAge: out.trust.maxAgeSeconds,
      });
    return answer(c, out);
  },
});

async function status(c: Context<AppEnv>, input: z.infer<typeof statusRequest>) {
  return answer(c, await trustStatus(c.var.services, tenantContext(requireTenantRow(c)), input));
}

const statusResponses = {
  200: {
    description: "No challenge needed.",
    schema: z.object({ trusts: z.array(z.record(z.string(), z.unknown())), twoFactorTrustId: z.string().optional() }),
  },
  242: { description: "A challenge would be required." },
  400: INVALID_REQUEST,
  404: UNKNOWN_USER,
};

route({
  method: "post",
  path: "/status",
  summary: "Would this user be challenged now?",
  tags,
  auth: "apiKey",
  body: statusRequest,
  responses: statusResponses,
  handler: (c, body) => status(c, body),
});

/** The GET form's query: the trust id may come from the path or, on `/status`, from the query. */
const statusQuery = statusRequest
  .omit({ twoFactorTrustId: true, action: true })
  .extend({ twoFactorTrustId: z.string().max(128).optional() });

const getStatus = {
  method: "get",
  summary: "Trust status (FusionAuth GET form)",
  tags,
  auth: "apiKey",
  query: statusRequest.pick({ userId: true, applicationId: true }),
  responses: statusResponses,
  // The documented query names userId and applicationId; a `twoFactorTrustId` query value (the path's,
  // on `/status`) is validated too, so the handler parses statusQuery itself.
  parse: false,
  handler: async (c: Context<AppEnv>) => {
    const q = parseQuery(c, statusQuery);
    const fromPath = c.req.param("twoFactorTrustId");
    if (fromPath && fromPath.length > 128)
      throw ApiError.field("twoFactorTrustId", "invalid", "The twoFactorTrustId is invalid.");
    return status(c, { ...q, twoFactorTrustId: fromPath ?? q.twoFactorTrustId });
  },
} as const;
mountOnly(twoFactorRoutes, { ...getStatus, path: "/status" });
route({ ...getStatus, path: "/status/:twoFactorTrustId" });
