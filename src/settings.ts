/**
 * Tenant and application settings in FusionAuth's shape, with FusionAuth's defaults. Stored as JSON
 * in D1 and parsed here, so every reader sees complete, typed settings.
 */
import { z } from "zod";

export const loginPolicySchema = z.enum(["Disabled", "Enabled", "Required"]);
export const trustPolicySchema = z.enum(["Any", "This", "None"]);
export type LoginPolicy = z.infer<typeof loginPolicySchema>;
export type TrustPolicy = z.infer<typeof trustPolicySchema>;

const methodToggle = z.object({ enabled: z.boolean().default(false), templateId: z.string().max(64).nullish() }).partial();

/** FusionAuth caps OOB/identifier lifetimes; we never allow challenges beyond 10 minutes (NIST 800-63B §5.1.3.2). */
export const MAX_TWO_FACTOR_ID_TTL_SECONDS = 600;

export const tenantSettingsSchema = z.object({
  issuer: z.string().max(255).default("edge-mfa"),
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
      email: methodToggle.default({}),
      sms: methodToggle.default({}),
    })
    .partial()
    .default({}),
  externalIdentifierConfiguration: z
    .object({
      twoFactorIdTimeToLiveInSeconds: z.number().int().min(30).max(MAX_TWO_FACTOR_ID_TTL_SECONDS).default(300),
      twoFactorOneTimeCodeIdTimeToLiveInSeconds: z.number().int().min(30).max(600).default(60),
      twoFactorTrustIdTimeToLiveInSeconds: z.number().int().min(60).max(31_536_000).default(2_592_000),
      trustTokenTimeToLiveInSeconds: z.number().int().min(10).max(3600).default(180),
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
  jwtConfiguration: z
    .object({ timeToLiveInSeconds: z.number().int().min(60).max(86_400).default(3600) })
    .partial()
    .default({}),
});

export type TenantSettingsInput = z.input<typeof tenantSettingsSchema>;

/** Fully defaulted settings (every nested default applied). */
export type TenantSettings = {
  issuer: string;
  multiFactorConfiguration: {
    loginPolicy: LoginPolicy;
    authenticator: { enabled: boolean; algorithm: "HmacSHA1"; codeLength: 6; timeStep: 30 };
    email: { enabled: boolean; templateId?: string | null };
    sms: { enabled: boolean; templateId?: string | null };
  };
  externalIdentifierConfiguration: {
    twoFactorIdTimeToLiveInSeconds: number;
    twoFactorOneTimeCodeIdTimeToLiveInSeconds: number;
    twoFactorTrustIdTimeToLiveInSeconds: number;
    trustTokenTimeToLiveInSeconds: number;
  };
  failedAuthenticationConfiguration: {
    tooManyAttempts: number;
    resetCountInSeconds: number;
    actionDuration: number;
    actionDurationUnit: "SECONDS" | "MINUTES" | "HOURS" | "DAYS";
  };
  jwtConfiguration: { timeToLiveInSeconds: number };
};

/** Applies every default, including nested ones that `.partial()` leaves out. */
export function completeTenantSettings(raw: unknown): TenantSettings {
  const s = tenantSettingsSchema.parse(raw ?? {});
  const mfa = s.multiFactorConfiguration;
  const eic = s.externalIdentifierConfiguration;
  const fac = s.failedAuthenticationConfiguration;
  return {
    issuer: s.issuer,
    multiFactorConfiguration: {
      loginPolicy: mfa.loginPolicy ?? "Enabled",
      // Only HmacSHA1 / 6 digits / 30 s are honoured, as in FusionAuth.
      authenticator: { enabled: mfa.authenticator?.enabled ?? true, algorithm: "HmacSHA1", codeLength: 6, timeStep: 30 },
      email: { enabled: mfa.email?.enabled ?? false, templateId: mfa.email?.templateId ?? null },
      sms: { enabled: mfa.sms?.enabled ?? false, templateId: mfa.sms?.templateId ?? null },
    },
    externalIdentifierConfiguration: {
      twoFactorIdTimeToLiveInSeconds: eic.twoFactorIdTimeToLiveInSeconds ?? 300,
      twoFactorOneTimeCodeIdTimeToLiveInSeconds: eic.twoFactorOneTimeCodeIdTimeToLiveInSeconds ?? 60,
      twoFactorTrustIdTimeToLiveInSeconds: eic.twoFactorTrustIdTimeToLiveInSeconds ?? 2_592_000,
      trustTokenTimeToLiveInSeconds: eic.trustTokenTimeToLiveInSeconds ?? 180,
    },
    failedAuthenticationConfiguration: {
      tooManyAttempts: fac.tooManyAttempts ?? 5,
      resetCountInSeconds: fac.resetCountInSeconds ?? 60,
      actionDuration: fac.actionDuration ?? 3,
      actionDurationUnit: fac.actionDurationUnit ?? "MINUTES",
    },
    jwtConfiguration: { timeToLiveInSeconds: s.jwtConfiguration.timeToLiveInSeconds ?? 3600 },
  };
}

export const applicationSettingsSchema = z.object({
  multiFactorConfiguration: z
    .object({
      loginPolicy: loginPolicySchema.nullish(),
      trustPolicy: trustPolicySchema.nullish(),
    })
    .partial()
    .default({}),
});

export type ApplicationSettings = { multiFactorConfiguration: { loginPolicy: LoginPolicy | null; trustPolicy: TrustPolicy } };

export function completeApplicationSettings(raw: unknown): ApplicationSettings {
  const s = applicationSettingsSchema.parse(raw ?? {});
  return {
    multiFactorConfiguration: {
      loginPolicy: s.multiFactorConfiguration.loginPolicy ?? null,
      trustPolicy: s.multiFactorConfiguration.trustPolicy ?? "Any",
    },
  };
}

const UNIT_SECONDS = { SECONDS: 1, MINUTES: 60, HOURS: 3600, DAYS: 86_400 } as const;

/** The lock duration FusionAuth's failedAuthenticationConfiguration describes, in seconds. */
export function lockDurationSeconds(s: TenantSettings): number {
  const f = s.failedAuthenticationConfiguration;
  return f.actionDuration * UNIT_SECONDS[f.actionDurationUnit];
}
