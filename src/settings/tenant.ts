/**
 * Tenant settings in FusionAuth's shape (FusionAuth API docs, Tenants), each default written once
 * here: `tenantSettings` parses stored JSON into complete settings; src/settings.ts derives the
 * request schema from it (src/settings/stored-form.ts).
 */
import * as z from "zod";
import { callingCodes, emailTemplate, sendLimitsSchema, smsTemplate } from "./delivery.ts";
import { nullDefault } from "./stored-form.ts";

/**
 * FusionAuth's login policies. The two risk policies (FusionAuth 1.68 names) challenge like
 * `Enabled` and, when the login's risk reaches their level, also challenge a trusted device and
 * emit `user.login.suspicious` (src/domain/risk.ts). They never skip a challenge `Enabled` would ask.
 */
export const loginPolicySchema = z.enum([
  "Disabled",
  "Enabled",
  "Required",
  "ChallengeOnMediumRisk",
  "ChallengeOnHighRisk",
]);
export const trustPolicySchema = z.enum(["Any", "This", "None"]);
export type LoginPolicy = z.infer<typeof loginPolicySchema>;
export type TrustPolicy = z.infer<typeof trustPolicySchema>;

const methodToggle = { enabled: z.boolean().default(false), templateId: z.string().max(64).nullable().default(null) };

/** FusionAuth caps OOB/identifier lifetimes; we never allow challenges beyond 10 minutes (NIST 800-63B §5.1.3.2). */
export const MAX_TWO_FACTOR_ID_TTL_SECONDS = 600;

/** WebAuthn L3 §13.4.3 recommends ceremony timeouts of 300–600 s; challenges here live at most 5 minutes. */
export const MAX_WEBAUTHN_CHALLENGE_TTL_SECONDS = 300;

/**
 * Workflow defaults: FusionAuth's docs and its default tenant disagree on attachment
 * (FusionAuth API docs, Tenants: webAuthnConfiguration), so `any`; UV `required` where the passkey is
 * the only factor, `discouraged` where it is a second factor after a password (WebAuthn L3 §7.1 and
 * §7.2 steps on the UV flag: request and require UV consistently).
 */
function webAuthnWorkflow(uv: "required" | "discouraged") {
  return z
    .object({
      enabled: z.boolean().default(false),
      authenticatorAttachmentPreference: z.enum(["any", "platform", "crossPlatform"]).default("any"),
      userVerificationRequirement: z.enum(["required", "preferred", "discouraged"]).default(uv),
    })
    .prefault({});
}

/** An origin as the browser reports it in clientDataJSON: scheme, host, optional port; https, or http on localhost. */
const webAuthnOrigin = z
  .string()
  .max(255)
  .regex(
    /^(https:\/\/[a-z0-9.-]+|http:\/\/localhost)(:[0-9]{1,5})?$/,
    "must be an origin such as https://example.com (http only for localhost)",
  );

/**
 * Step-up for sensitive changes (edge-mfa; off by default, as in FusionAuth, whose API needs only
 * the key). On: adding a method, regenerating recovery codes, registering or deleting a passkey and
 * changing email, phone or password need a fresh, single-use, action-bound trustToken
 * (src/domain/step-up.ts, NIST SP 800-63B §4.2.3 re-authentication).
 */
const stepUpSchema = z.object({ requiredForSensitiveActions: z.boolean().default(false) }).prefault({});

/** `#rrggbb` only, so a colour can never carry CSS of its own into the hosted pages' stylesheet. */
const themeColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour");

/** The hosted login's small theme (edge-mfa; FusionAuth themes are FreeMarker templates). */
const loginThemeSchema = z
  .object({
    displayName: z.string().trim().min(1).max(100).nullable().default(null),
    logoURL: z.string().url().max(2048).startsWith("https://", "must be an https URL").nullable().default(null),
    primaryColor: nullDefault(themeColour, "#1f5fbf"),
    backgroundColor: nullDefault(themeColour, "#f4f5f7"),
  })
  .prefault({});

const seconds = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);

export const tenantSettings = z.object({
  issuer: z.string().max(255).default("edge-mfa"),
  /** FusionAuth's "OAuth session timeout": lifetime of the hosted login's SSO session (seconds). */
  httpSessionMaxInactiveInterval: seconds(60, 2_592_000, 3600),
  loginTheme: loginThemeSchema,
  multiFactorConfiguration: z
    .object({
      loginPolicy: loginPolicySchema.default("Enabled"),
      // Only HmacSHA1 / 6 digits / 30 s are honoured, as in FusionAuth.
      authenticator: z
        .object({
          enabled: z.boolean().default(true),
          algorithm: z.literal("HmacSHA1").default("HmacSHA1"),
          codeLength: z.literal(6).default(6),
          timeStep: z.literal(30).default(30),
        })
        .prefault({}),
      email: z.object({ ...methodToggle, template: emailTemplate }).prefault({}),
      sms: z.object({ ...methodToggle, template: smsTemplate, allowedCallingCodes: callingCodes }).prefault({}),
      sendLimits: sendLimitsSchema,
      stepUp: stepUpSchema,
    })
    .prefault({}),
  externalIdentifierConfiguration: z
    .object({
      twoFactorIdTimeToLiveInSeconds: seconds(30, MAX_TWO_FACTOR_ID_TTL_SECONDS, 300),
      twoFactorOneTimeCodeIdTimeToLiveInSeconds: seconds(30, 600, 60),
      twoFactorTrustIdTimeToLiveInSeconds: seconds(60, 31_536_000, 2_592_000),
      trustTokenTimeToLiveInSeconds: seconds(10, 3600, 180),
      webAuthnAuthenticationChallengeTimeToLiveInSeconds: seconds(30, MAX_WEBAUTHN_CHALLENGE_TTL_SECONDS, 180),
      webAuthnRegistrationChallengeTimeToLiveInSeconds: seconds(30, MAX_WEBAUTHN_CHALLENGE_TTL_SECONDS, 180),
    })
    .prefault({}),
  failedAuthenticationConfiguration: z
    .object({
      tooManyAttempts: z.number().int().min(1).max(100).default(5),
      resetCountInSeconds: seconds(1, 86_400, 60),
      actionDuration: z.number().int().min(1).max(100_000).default(3),
      actionDurationUnit: z.enum(["SECONDS", "MINUTES", "HOURS", "DAYS"]).default("MINUTES"),
    })
    .prefault({}),
  /**
   * Security notifications to the user (edge-mfa; FusionAuth sells these as Advanced Threat
   * Detection). One alert per window after `failedAttempts` failed second-factor attempts; also on
   * method changes, recovery-code use, regeneration, lock, new device or country, suspicious login.
   */
  alertConfiguration: z
    .object({
      enabled: z.boolean().default(true),
      failedAttempts: z.number().int().min(1).max(100).default(3),
      windowInSeconds: seconds(60, 86_400, 900),
      /** Also by SMS to the user's SMS method, when they have one. */
      sms: z.boolean().default(true),
    })
    .prefault({}),
  jwtConfiguration: z.object({ timeToLiveInSeconds: seconds(60, 86_400, 3600) }).prefault({}),
  /** Passkeys. The RP id and the origins are never taken from a request (WebAuthn L3 §7.1, §7.2: the RP checks against its own values). */
  webAuthnConfiguration: z
    .object({
      enabled: z.boolean().default(false),
      relyingPartyId: z
        .string()
        .trim()
        .toLowerCase()
        .max(253)
        .regex(/^[a-z0-9.-]+$/, "must be a domain name")
        .nullable()
        .default(null),
      relyingPartyName: z.string().max(255).nullable().default(null),
      allowedOrigins: z.array(webAuthnOrigin).max(20).default([]),
      bootstrapWorkflow: webAuthnWorkflow("required"),
      reauthenticationWorkflow: webAuthnWorkflow("required"),
      secondFactorWorkflow: webAuthnWorkflow("discouraged"),
    })
    // Also runs on the request schema, where absent fields stay absent.
    .refine((w) => !w.enabled || (!!w.relyingPartyId && (w.allowedOrigins?.length ?? 0) > 0), {
      message: "enabled needs relyingPartyId and at least one allowedOrigins entry",
      path: ["relyingPartyId"],
    })
    .prefault({}),
});

/** Complete tenant settings: every default applied. */
export type TenantSettings = z.output<typeof tenantSettings>;
export type LoginTheme = TenantSettings["loginTheme"];
export type AlertSettings = TenantSettings["alertConfiguration"];
export type WebAuthnSettings = TenantSettings["webAuthnConfiguration"];
export type WebAuthnWorkflowName = "bootstrapWorkflow" | "reauthenticationWorkflow" | "secondFactorWorkflow";
export type WebAuthnWorkflow = WebAuthnSettings[WebAuthnWorkflowName];

const UNIT_SECONDS = { SECONDS: 1, MINUTES: 60, HOURS: 3600, DAYS: 86_400 } as const;

/** The lock duration FusionAuth's failedAuthenticationConfiguration describes, in seconds. */
export function lockDurationSeconds(s: TenantSettings): number {
  const f = s.failedAuthenticationConfiguration;
  return f.actionDuration * UNIT_SECONDS[f.actionDurationUnit];
}
