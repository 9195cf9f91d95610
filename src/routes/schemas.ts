/**
 * zod schemas shared by routes and the OpenAPI document. Request schemas live at the edges only;
 * services receive already-parsed values.
 */
import * as z from "zod";
import type { Context } from "hono";
import { ApiError } from "../errors.ts";

export const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a UUID");

/** The id a caller chose for a new resource (`POST /api/<resource>/:<param>`): a UUID, else `[invalid]<param>`. */
export function chosenPathId(c: Context, param: string): string {
  const id = c.req.param(param) ?? "";
  if (!uuid.safeParse(id).success) throw ApiError.field(param, "invalid", `The ${param} must be a UUID.`);
  return id;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{2,}$/;
/** E.164-ish input; normalised by stripping spaces, dashes and brackets. */
export const phone = z
  .string()
  .max(32)
  .transform((s) => s.replace(/[\s()-]/g, ""))
  .pipe(z.string().regex(/^\+[1-9][0-9]{6,14}$/, "must be an E.164 phone number"));

export const email = z.string().trim().max(254).regex(EMAIL, "must be an email address");

export const userFields = z
  .object({
    email,
    username: z.string().trim().min(1).max(100),
    password: z.string().min(8).max(256),
    mobilePhone: phone,
    firstName: z.string().max(100),
    lastName: z.string().max(100),
    data: z.record(z.string().max(100), z.unknown()),
    active: z.boolean(),
  })
  .partial();

export const userRequest = z.object({ user: userFields });
export type UserFields = z.infer<typeof userFields>;

export const twoFactorMethodKind = z.enum(["authenticator", "email", "sms"]);

/** A one-time code as typed by a person: digits, or a recovery code. Bounded to stop abuse. */
export const codeField = z.string().trim().min(1).max(64);

/** Response shapes (documentation only: the services build these objects). */
export const methodJson = z
  .object({
    id: z.string(),
    method: twoFactorMethodKind,
    name: z.string().optional(),
    lastUsed: z.literal(true).optional(),
    authenticator: z
      .object({ algorithm: z.literal("HmacSHA1"), codeLength: z.literal(6), timeStep: z.literal(30) })
      .optional(),
    email: z.string().optional(),
    mobilePhone: z.string().optional(),
  })
  .meta({ id: "TwoFactorMethod" });

export const userJson = z
  .object({
    id: uuid,
    tenantId: uuid,
    email: z.string().optional(),
    username: z.string().optional(),
    mobilePhone: z.string().optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    active: z.boolean(),
    insertInstant: z.number(),
    lastUpdateInstant: z.number(),
    twoFactor: z.object({ methods: z.array(methodJson) }),
    /** The user's registrations (FusionAuth's `registrations[]`), when there are any. */
    registrations: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .meta({ id: "User" });

export const loginResponse = z
  .object({
    token: z.string().optional(),
    tokenExpirationInstant: z.number().optional(),
    user: userJson.optional(),
    state: z.record(z.string(), z.unknown()).optional(),
    trustToken: z.string().optional(),
    twoFactorTrustId: z.string().optional(),
  })
  .meta({ id: "LoginResponse" });

/** A passkey among a challenge's methods (extension: answer it with POST /api/webauthn/start {twoFactorId}). */
export const passkeyMethodJson = z
  .object({ id: z.string(), method: z.literal("webauthn"), name: z.string().optional() })
  .meta({ id: "PasskeyMethod" });
export const challengeMethodJson = z.union([methodJson, passkeyMethodJson]);

export const twoFactorChallenge = z
  .object({
    twoFactorId: z.string(),
    methods: z.array(challengeMethodJson),
    configurableMethods: z.array(twoFactorMethodKind).optional(),
  })
  .meta({ id: "TwoFactorChallenge" });

export { lockedResponse } from "../openapi.ts";
