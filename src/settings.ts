/**
 * Tenant and application settings in FusionAuth's shape, with FusionAuth's defaults. Stored as JSON
 * in D1 and parsed here, so every reader sees complete, typed settings.
 */
import * as z from "zod";
import type { EmailTemplate, SmsTemplate } from "./domain/message-template.ts";
import {
  callingCodesSchema,
  completeEmailTemplate,
  completeSendLimits,
  completeSmsTemplate,
  emailTemplateSchema,
  sendLimitsSchema,
  smsTemplateSchema,
  type SendLimits,
} from "./settings-delivery.ts";

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

const methodToggle = z
  .object({ enabled: z.boolean().default(false), templateId: z.string().max(64).nullish() })
  .partial();

/** FusionAuth caps OOB/identifier lifetimes; we never allow challenges beyond 10 minutes (NIST 800-63B §5.1.3.2). */
export const MAX_TWO_FACTOR_ID_TTL_SECONDS = 600;

/** WebAuthn L3 §13.4.3 recommends ceremony timeouts of 300–600 s; challenges here live at most 5 minutes. */
export const MAX_WEBAUTHN_CHALLENGE_TTL_SECONDS = 300;

export const webAuthnWorkflowSchema = z
  .object({
    enabled: z.boolean(),
    authenticatorAttachmentPreference: z.enum(["any", "platform", "crossPlatform"]),
    userVerificationRequirement: z.enum(["required", "preferred", "discouraged"]),
  })
  .partial();

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
const stepUpSchema = z.object({ requiredForSensitiveActions: z.boolean() }).partial();

/** `#rrggbb` only, so a colour can never carry CSS of its own into the hosted pages' stylesheet. */
const themeColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour");

/** The hosted login's small theme (edge-mfa; FusionAuth themes are FreeMarker templates). */
const loginThemeSchema = z
  .object({
    displayName: z.string().trim().min(1).max(100).nullish(),
    logoURL: z.string().url().max(2048).startsWith("https://", "must be an https URL").nullish(),
    primaryColor: themeColour.nullish(),
    backgroundColor: themeColour.nullish(),
  })
  .partial();

export const tenantSettingsSchema = z.object({
  issuer: z.string().max(255).default("edge-mfa"),
  /** FusionAuth's "OAuth session timeout": lifetime of the hosted login's SSO session (seconds). */
  httpSessionMaxInactiveInterval: z.number().int().min(60).max(2_592_000).default(3600),
  loginTheme: loginThemeSchema.default({}),
  multiFactorConfiguration: z
    .object({
      loginPolicy: loginPolicySchema.default("Enabled"),
      authenticator: z
        .object({
          enabled: z.boolean().default(true),
          algorithm: z.literal("HmacSHA1").default("HmacSHA1"),
          codeLength: z.literal(6).default(6),
          timeStep: z.literal(30).default(30),
        })
        .partial()
        .default({}),
      email: methodToggle.extend({ template: emailTemplateSchema.nullish() }).default({}),
      sms: methodToggle
        .extend({ template: smsTemplateSchema.nullish(), allowedCallingCodes: callingCodesSchema })
        .default({}),
      sendLimits: sendLimitsSchema.default({}),
      stepUp: stepUpSchema.default({}),
    })
    .partial()
    .default({}),
  externalIdentifierConfiguration: z
    .object({
      twoFactorIdTimeToLiveInSeconds: z.number().int().min(30).max(MAX_TWO_FACTOR_ID_TTL_SECONDS).default(300),
      twoFactorOneTimeCodeIdTimeToLiveInSeconds: z.number().int().min(30).max(600).default(60),
      twoFactorTrustIdTimeToLiveInSeconds: z.number().int().min(60).max(31_536_000).default(2_592_000),
      trustTokenTimeToLiveInSeconds: z.number().int().min(10).max(3600).default(180),
      webAuthnAuthenticationChallengeTimeToLiveInSeconds: z
        .number()
        .int()
        .min(30)
        .max(MAX_WEBAUTHN_CHALLENGE_TTL_SECONDS)
        .default(180),
      webAuthnRegistrationChallengeTimeToLiveInSeconds: z
        .number()
        .int()
        .min(30)
        .max(MAX_WEBAUTHN_CHALLENGE_TTL_SECONDS)
        .default(180),
    })
    .partial()
    .default({}),
  failedAuthenticationConfiguration: z
    .object({
      tooManyAttempts: z.number().int().min(1).max(100).default(5),
      resetCountInSeconds: z.number().int().min(1).max(86_400).default(60),
      actionDuration: z.number().int().min(1).max(100_000).default(3),
      actionDurationUnit: z.enum(["SECONDS", "MINUTES", "HOURS", "DAYS"]).default("MINUTES"),
    })
    .partial()
    .default({}),
  /**
   * Security notifications to the user (edge-mfa; FusionAuth sells these as Advanced Threat
   * Detection). One alert per window after `failedAttempts` failed second-factor attempts; also on
   * method changes, recovery-code use, regeneration, lock, new device or country, suspicious login.
   */
  alertConfiguration: z
    .object({
      enabled: z.boolean().default(true),
      failedAttempts: z.number().int().min(1).max(100).default(3),
      windowInSeconds: z.number().int().min(60).max(86_400).default(900),
      /** Also by SMS to the user's SMS method, when they have one. */
      sms: z.boolean().default(true),
    })
    .partial()
    .default({}),
  jwtConfiguration: z
    .object({ timeToLiveInSeconds: z.number().int().min(60).max(86_400).default(3600) })
    .partial()
    .default({}),
  /** Passkeys. The RP id and the origins are never taken from a request (WebAuthn L3 §7.1, §7.2: the RP checks against its own values). */
  webAuthnConfiguration: z
    .object({
      enabled: z.boolean(),
      relyingPartyId: z
        .string()
        .trim()
        .toLowerCase()
        .max(253)
        .regex(/^[a-z0-9.-]+$/, "must be a domain name")
        .nullish(),
      relyingPartyName: z.string().max(255).nullish(),
      allowedOrigins: z.array(webAuthnOrigin).max(20),
      bootstrapWorkflow: webAuthnWorkflowSchema,
      reauthenticationWorkflow: webAuthnWorkflowSchema,
      secondFactorWorkflow: webAuthnWorkflowSchema,
    })
    .partial()
    .refine((w) => !w.enabled || (!!w.relyingPartyId && (w.allowedOrigins?.length ?? 0) > 0), {
      message: "enabled needs relyingPartyId and at least one allowedOrigins entry",
      path: ["relyingPartyId"],
    })
    .default({}),
});

export type TenantSettingsInput = z.input<typeof tenantSettingsSchema>;

/** Fully defaulted settings (every nested default applied). */
export type LoginTheme = {
  displayName: string | null;
  logoURL: string | null;
  primaryColor: string;
  backgroundColor: string;
};

export type TenantSettings = {
  issuer: string;
  httpSessionMaxInactiveInterval: number;
  loginTheme: LoginTheme;
  multiFactorConfiguration: {
    loginPolicy: LoginPolicy;
    authenticator: { enabled: boolean; algorithm: "HmacSHA1"; codeLength: 6; timeStep: 30 };
    email: { enabled: boolean; templateId?: string | null; template: EmailTemplate };
    sms: { enabled: boolean; templateId?: string | null; template: SmsTemplate; allowedCallingCodes: string[] | null };
    sendLimits: SendLimits;
    stepUp: { requiredForSensitiveActions: boolean };
  };
  externalIdentifierConfiguration: {
    twoFactorIdTimeToLiveInSeconds: number;
    twoFactorOneTimeCodeIdTimeToLiveInSeconds: number;
    twoFactorTrustIdTimeToLiveInSeconds: number;
    trustTokenTimeToLiveInSeconds: number;
    webAuthnAuthenticationChallengeTimeToLiveInSeconds: number;
    webAuthnRegistrationChallengeTimeToLiveInSeconds: number;
  };
  failedAuthenticationConfiguration: {
    tooManyAttempts: number;
    resetCountInSeconds: number;
    actionDuration: number;
    actionDurationUnit: "SECONDS" | "MINUTES" | "HOURS" | "DAYS";
  };
  alertConfiguration: AlertSettings;
  jwtConfiguration: { timeToLiveInSeconds: number };
  webAuthnConfiguration: WebAuthnSettings;
};

export type AlertSettings = { enabled: boolean; failedAttempts: number; windowInSeconds: number; sms: boolean };

export type WebAuthnWorkflowName = "bootstrapWorkflow" | "reauthenticationWorkflow" | "secondFactorWorkflow";
export type WebAuthnWorkflow = {
  enabled: boolean;
  authenticatorAttachmentPreference: "any" | "platform" | "crossPlatform";
  userVerificationRequirement: "required" | "preferred" | "discouraged";
};
export type WebAuthnSettings = {
  enabled: boolean;
  relyingPartyId: string | null;
  relyingPartyName: string | null;
  allowedOrigins: string[];
} & Record<WebAuthnWorkflowName, WebAuthnWorkflow>;

/**
 * Workflow defaults: FusionAuth's docs and its default tenant disagree on attachment
 * (FusionAuth API docs, Tenants: webAuthnConfiguration), so `any`; UV `required` where the passkey is
 * the only factor, `discouraged` where it is a second factor after a password (WebAuthn L3 §7.1 and
 * §7.2 steps on the UV flag: request and require UV consistently).
 */
function completeWorkflow(
  w: z.infer<typeof webAuthnWorkflowSchema> | undefined,
  uv: WebAuthnWorkflow["userVerificationRequirement"],
): WebAuthnWorkflow {
  return {
    enabled: w?.enabled ?? false,
    authenticatorAttachmentPreference: w?.authenticatorAttachmentPreference ?? "any",
    userVerificationRequirement: w?.userVerificationRequirement ?? uv,
  };
}

/** Applies every default, including nested ones that `.partial()` leaves out. */
export function completeTenantSettings(raw: unknown): TenantSettings {
  const s = tenantSettingsSchema.parse(raw ?? {});
  const mfa = s.multiFactorConfiguration;
  const eic = s.externalIdentifierConfiguration;
  const fac = s.failedAuthenticationConfiguration;
  return {
    issuer: s.issuer,
    httpSessionMaxInactiveInterval: s.httpSessionMaxInactiveInterval ?? 3600,
    loginTheme: {
      displayName: s.loginTheme.displayName ?? null,
      logoURL: s.loginTheme.logoURL ?? null,
      primaryColor: s.loginTheme.primaryColor ?? "#1f5fbf",
      backgroundColor: s.loginTheme.backgroundColor ?? "#f4f5f7",
    },
    multiFactorConfiguration: {
      loginPolicy: mfa.loginPolicy ?? "Enabled",
      // Only HmacSHA1 / 6 digits / 30 s are honoured, as in FusionAuth.
      authenticator: {
        enabled: mfa.authenticator?.enabled ?? true,
        algorithm: "HmacSHA1",
        codeLength: 6,
        timeStep: 30,
      },
      email: {
        enabled: mfa.email?.enabled ?? false,
        templateId: mfa.email?.templateId ?? null,
        template: completeEmailTemplate(mfa.email?.template),
      },
      sms: {
        enabled: mfa.sms?.enabled ?? false,
        templateId: mfa.sms?.templateId ?? null,
        template: completeSmsTemplate(mfa.sms?.template),
        allowedCallingCodes: mfa.sms?.allowedCallingCodes ?? null,
      },
      sendLimits: completeSendLimits(mfa.sendLimits),
      stepUp: { requiredForSensitiveActions: mfa.stepUp?.requiredForSensitiveActions ?? false },
    },
    externalIdentifierConfiguration: {
      twoFactorIdTimeToLiveInSeconds: eic.twoFactorIdTimeToLiveInSeconds ?? 300,
      twoFactorOneTimeCodeIdTimeToLiveInSeconds: eic.twoFactorOneTimeCodeIdTimeToLiveInSeconds ?? 60,
      twoFactorTrustIdTimeToLiveInSeconds: eic.twoFactorTrustIdTimeToLiveInSeconds ?? 2_592_000,
      trustTokenTimeToLiveInSeconds: eic.trustTokenTimeToLiveInSeconds ?? 180,
      webAuthnAuthenticationChallengeTimeToLiveInSeconds: eic.webAuthnAuthenticationChallengeTimeToLiveInSeconds ?? 180,
      webAuthnRegistrationChallengeTimeToLiveInSeconds: eic.webAuthnRegistrationChallengeTimeToLiveInSeconds ?? 180,
    },
    failedAuthenticationConfiguration: {
      tooManyAttempts: fac.tooManyAttempts ?? 5,
      resetCountInSeconds: fac.resetCountInSeconds ?? 60,
      actionDuration: fac.actionDuration ?? 3,
      actionDurationUnit: fac.actionDurationUnit ?? "MINUTES",
    },
    alertConfiguration: {
      enabled: s.alertConfiguration.enabled ?? true,
      failedAttempts: s.alertConfiguration.failedAttempts ?? 3,
      windowInSeconds: s.alertConfiguration.windowInSeconds ?? 900,
      sms: s.alertConfiguration.sms ?? true,
    },
    jwtConfiguration: { timeToLiveInSeconds: s.jwtConfiguration.timeToLiveInSeconds ?? 3600 },
    webAuthnConfiguration: {
      enabled: s.webAuthnConfiguration.enabled ?? false,
      relyingPartyId: s.webAuthnConfiguration.relyingPartyId ?? null,
      relyingPartyName: s.webAuthnConfiguration.relyingPartyName ?? null,
      allowedOrigins: s.webAuthnConfiguration.allowedOrigins ?? [],
      bootstrapWorkflow: completeWorkflow(s.webAuthnConfiguration.bootstrapWorkflow, "required"),
      reauthenticationWorkflow: completeWorkflow(s.webAuthnConfiguration.reauthenticationWorkflow, "required"),
      secondFactorWorkflow: completeWorkflow(s.webAuthnConfiguration.secondFactorWorkflow, "discouraged"),
    },
  };
}

const keyIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a UUID");

/** Grants an application may enable (FusionAuth's names); edge-mfa serves authorization_code and refresh_token. */
export const OAUTH_GRANTS = ["authorization_code", "refresh_token", "implicit", "password"] as const;
export type OAuthGrant = (typeof OAUTH_GRANTS)[number];

/** FusionAuth's application role; registrations name roles, so names are unique per application (checked at store time). */
export const applicationRoleSchema = z.object({
  id: keyIdSchema.optional(),
  name: z.string().trim().min(1).max(191),
  description: z.string().max(1024).nullish(),
  /** Given to a registration created without roles. */
  isDefault: z.boolean().optional(),
  isSuperRole: z.boolean().optional(),
});

export const applicationSettingsSchema = z.object({
  roles: z.array(applicationRoleSchema).max(200).optional(),
  multiFactorConfiguration: z
    .object({
      loginPolicy: loginPolicySchema.nullish(),
      trustPolicy: trustPolicySchema.nullish(),
    })
    .partial()
    .default({}),
  /** FusionAuth's application override of the tenant's device-trust lifetime. */
  externalIdentifierConfiguration: z
    .object({ twoFactorTrustIdTimeToLiveInSeconds: z.number().int().min(60).max(31_536_000).nullish() })
    .partial()
    .default({}),
  /**
   * FusionAuth's JWT override: when `enabled`, `accessTokenKeyId` / `idTokenKeyId` (the tenant's keys)
   * sign this application's access tokens / id_tokens, and the lifetimes replace the tenant's.
   */
  jwtConfiguration: z
    .object({
      enabled: z.boolean(),
      accessTokenKeyId: keyIdSchema.nullish(),
      idTokenKeyId: keyIdSchema.nullish(),
      timeToLiveInSeconds: z.number().int().min(60).max(86_400).nullish(),
      refreshTokenTimeToLiveInMinutes: z.number().int().min(1).max(525_600).nullish(),
      refreshTokenUsagePolicy: z.enum(["Reusable", "OneTimeUse"]).nullish(),
    })
    .partial()
    .default({}),
  /** FusionAuth's OAuth 2.0 settings (clientId is the application id; the client secret is stored apart, hashed). */
  oauthConfiguration: z
    .object({
      authorizedRedirectURLs: z.array(z.string().url().max(2048)).max(50),
      authorizedOriginURLs: z.array(z.string().url().max(2048)).max(50),
      logoutURL: z.string().url().max(2048).nullish(),
      logoutBehavior: z.enum(["AllApplications", "RedirectOnly"]),
      enabledGrants: z.array(z.enum(OAUTH_GRANTS)).max(OAUTH_GRANTS.length),
      generateRefreshTokens: z.boolean(),
      clientAuthenticationPolicy: z.enum(["Required", "NotRequired", "NotRequiredWhenUsingPKCE"]),
      /** Deprecated boolean twin of clientAuthenticationPolicy (true = Required, false = NotRequired). */
      requireClientAuthentication: z.boolean(),
      proofKeyForCodeExchangePolicy: z.enum(["NotRequired", "Required", "NotRequiredWhenUsingClientAuthentication"]),
      requireRegistration: z.boolean(),
      scopeHandlingPolicy: z.enum(["Strict", "Compatibility"]),
      unknownScopePolicy: z.enum(["Reject", "Remove", "Allow"]),
    })
    .partial()
    .default({}),
});

export type ApplicationSettings = {
  multiFactorConfiguration: { loginPolicy: LoginPolicy | null; trustPolicy: TrustPolicy };
  /** null = the tenant's `twoFactorTrustIdTimeToLiveInSeconds`. */
  externalIdentifierConfiguration: { twoFactorTrustIdTimeToLiveInSeconds: number | null };
  jwtConfiguration: {
    enabled: boolean;
    accessTokenKeyId: string | null;
    idTokenKeyId: string | null;
    /** null = the tenant's. */
    timeToLiveInSeconds: number | null;
    refreshTokenTimeToLiveInMinutes: number;
    refreshTokenUsagePolicy: "Reusable" | "OneTimeUse";
  };
  oauthConfiguration: OAuthConfiguration;
  roles: ApplicationRole[];
};

/** `id` is set whenever the role was stored through the API. */
export type ApplicationRole = {
  id?: string;
  name: string;
  description?: string;
  isDefault: boolean;
  isSuperRole: boolean;
};

export type OAuthConfiguration = {
  authorizedRedirectURLs: string[];
  authorizedOriginURLs: string[];
  logoutURL: string | null;
  logoutBehavior: "AllApplications" | "RedirectOnly";
  enabledGrants: OAuthGrant[];
  generateRefreshTokens: boolean;
  clientAuthenticationPolicy: "Required" | "NotRequired" | "NotRequiredWhenUsingPKCE";
  proofKeyForCodeExchangePolicy: "NotRequired" | "Required" | "NotRequiredWhenUsingClientAuthentication";
  requireRegistration: boolean;
  scopeHandlingPolicy: "Strict" | "Compatibility";
  unknownScopePolicy: "Reject" | "Remove" | "Allow";
};

export function completeApplicationSettings(raw: unknown): ApplicationSettings {
  const s = applicationSettingsSchema.parse(raw ?? {});
  return {
    multiFactorConfiguration: {
      loginPolicy: s.multiFactorConfiguration.loginPolicy ?? null,
      trustPolicy: s.multiFactorConfiguration.trustPolicy ?? "Any",
    },
    externalIdentifierConfiguration: {
      twoFactorTrustIdTimeToLiveInSeconds:
        s.externalIdentifierConfiguration.twoFactorTrustIdTimeToLiveInSeconds ?? null,
    },
    jwtConfiguration: {
      enabled: s.jwtConfiguration.enabled ?? false,
      accessTokenKeyId: s.jwtConfiguration.accessTokenKeyId?.toLowerCase() ?? null,
      idTokenKeyId: s.jwtConfiguration.idTokenKeyId?.toLowerCase() ?? null,
      timeToLiveInSeconds: s.jwtConfiguration.timeToLiveInSeconds ?? null,
      refreshTokenTimeToLiveInMinutes: s.jwtConfiguration.refreshTokenTimeToLiveInMinutes ?? 43_200,
      refreshTokenUsagePolicy: s.jwtConfiguration.refreshTokenUsagePolicy ?? "Reusable",
    },
    oauthConfiguration: completeOAuthConfiguration(s.oauthConfiguration),
    roles: (s.roles ?? []).map((r) => ({
      ...(r.id ? { id: r.id.toLowerCase() } : {}),
      name: r.name,
      ...(r.description ? { description: r.description } : {}),
      isDefault: r.isDefault ?? false,
      isSuperRole: r.isSuperRole ?? false,
    })),
  };
}

/**
 * FusionAuth's defaults, with two deliberate choices: `enabledGrants` defaults to authorization_code
 * and refresh_token (what FusionAuth's admin UI pre-selects; its API default is none), and the
 * deprecated `requireClientAuthentication: false` maps to NotRequired only when no policy is given.
 */
function completeOAuthConfiguration(
  o: z.output<typeof applicationSettingsSchema>["oauthConfiguration"],
): OAuthConfiguration {
  const legacy =
    o.requireClientAuthentication === undefined
      ? undefined
      : o.requireClientAuthentication
        ? "Required"
        : "NotRequired";
  return {
    authorizedRedirectURLs: o.authorizedRedirectURLs ?? [],
    authorizedOriginURLs: o.authorizedOriginURLs ?? [],
    logoutURL: o.logoutURL ?? null,
    logoutBehavior: o.logoutBehavior ?? "AllApplications",
    enabledGrants: o.enabledGrants ?? ["authorization_code", "refresh_token"],
    generateRefreshTokens: o.generateRefreshTokens ?? true,
    clientAuthenticationPolicy: o.clientAuthenticationPolicy ?? legacy ?? "Required",
    proofKeyForCodeExchangePolicy: o.proofKeyForCodeExchangePolicy ?? "NotRequired",
    requireRegistration: o.requireRegistration ?? false,
    scopeHandlingPolicy: o.scopeHandlingPolicy ?? "Strict",
    unknownScopePolicy: o.unknownScopePolicy ?? "Reject",
  };
}

const UNIT_SECONDS = { SECONDS: 1, MINUTES: 60, HOURS: 3600, DAYS: 86_400 } as const;

/** The lock duration FusionAuth's failedAuthenticationConfiguration describes, in seconds. */
export function lockDurationSeconds(s: TenantSettings): number {
  const f = s.failedAuthenticationConfiguration;
  return f.actionDuration * UNIT_SECONDS[f.actionDurationUnit];
}
