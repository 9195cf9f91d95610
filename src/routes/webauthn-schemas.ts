/**
 * Request bodies of /api/webauthn (./webauthn.ts): FusionAuth's WebAuthn API shapes, base64url strings
 * throughout (W3C WebAuthn Level 3 §5.1 PublicKeyCredential JSON forms).
 */
import * as z from "zod";
import { eventInfoSchema } from "../http/request-info.ts";
import { uuid } from "./schemas.ts";

const b64url = z
  .string()
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*$/, "must be base64url");
const credentialId = b64url.min(1).max(1_400);

const credentialBase = {
  id: credentialId,
  rawId: credentialId.optional(),
  type: z.literal("public-key"),
  authenticatorAttachment: z.string().max(32).nullish(),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
};

/** An assertion (`PublicKeyCredential.toJSON()` of navigator.credentials.get). */
export const assertionCredential = z
  .object({
    ...credentialBase,
    response: z.object({
      clientDataJSON: b64url.min(1),
      authenticatorData: b64url.min(1),
      signature: b64url.min(1),
      userHandle: b64url.nullish(),
    }),
  })
  .meta({ id: "WebAuthnAssertion" });

/** An attestation (`PublicKeyCredential.toJSON()` of navigator.credentials.create); `transports` also accepted beside `response`. */
export const registrationCredential = z.object({
  ...credentialBase,
  transports: z.array(z.string().max(32)).max(8).optional(),
  response: z.object({
    clientDataJSON: b64url.min(1),
    attestationObject: b64url.min(1),
    transports: z.array(z.string().max(32)).max(8).optional(),
  }),
});

const claimed = { origin: z.string().max(255).optional(), rpId: z.string().max(253).optional() };

export const registerStartRequest = z.object({
  userId: uuid,
  displayName: z.string().trim().min(1).max(255),
  name: z.string().max(255).optional(),
  userAgent: z.string().max(512).optional(),
  workflow: z.enum(["bootstrap", "general", "reauthentication"]),
});
export const registerCompleteRequest = z.object({ userId: uuid, ...claimed, credential: registrationCredential });
export const startRequest = z.object({
  applicationId: uuid.optional(),
  userId: uuid.optional(),
  loginId: z.string().trim().min(1).max(254).optional(),
  loginIdTypes: z.array(z.string().max(32)).max(4).optional(),
  credentialId: credentialId.optional(),
  state: z.record(z.string(), z.unknown()).optional(),
  workflow: z.enum(["bootstrap", "reauthentication"]).optional(),
  twoFactorId: z.string().min(1).max(128).optional().meta({
    description:
      "Extension: options for a passkey answering this challenge (second factor or step-up); complete with POST /api/two-factor/login {twoFactorId, webauthn}.",
  }),
});
export const assertionRequest = z.object({
  ...claimed,
  credential: assertionCredential,
  twoFactorTrustId: z.string().max(128).optional(),
  applicationId: uuid.optional(),
  ipAddress: z.string().max(64).optional(),
  metaData: z.record(z.string(), z.unknown()).optional(),
  eventInfo: eventInfoSchema.optional(),
  noJWT: z.boolean().optional(),
});
export const userQuery = z.object({ userId: uuid });
