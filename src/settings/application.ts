/**
 * Application settings in FusionAuth's shape (FusionAuth API docs, Applications), each default
 * written once here; `null` in a tenant-overridable field means "the tenant's".
 */
import * as z from "zod";
import { nullDefault } from "./stored-form.ts";
import { loginPolicySchema, trustPolicySchema } from "./tenant.ts";

const keyIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a UUID")
  .toLowerCase();

/** Grants an application may enable (FusionAuth's names); edge-mfa serves authorization_code and refresh_token. */
export const OAUTH_GRANTS = ["authorization_code", "refresh_token", "implicit", "password"] as const;
export type OAuthGrant = (typeof OAUTH_GRANTS)[number];

/** FusionAuth's application role; registrations name roles, so names are unique per application (checked at store time). */
export const applicationRoleSchema = z
  .object({
    /** Set whenever the role was stored through the API. */
    id: keyIdSchema.optional(),
    name: z.string().trim().min(1).max(191),
    description: z.string().max(1024).nullish(),
    /** Given to a registration created without roles. */
    isDefault: z.boolean().default(false),
    isSuperRole: z.boolean().default(false),
  })
  // An empty or null description is left out of the completed role.
  .transform(({ description, ...role }) => (description ? { ...role, description } : role));

/**
 * FusionAuth's defaults, with two deliberate choices: `enabledGrants` defaults to authorization_code
 * and refresh_token (what FusionAuth's admin UI pre-selects; its API default is none), and the
 * deprecated `requireClientAuthentication` (true = Required, false = NotRequired) counts only when
 * no `clientAuthenticationPolicy` is given, so that policy's default is derived in the transform.
 */
const oauthConfigurationSchema = z
  .object({
    authorizedRedirectURLs: z.array(z.string().url().max(2048)).max(50).default([]),
    authorizedOriginURLs: z.array(z.string().url().max(2048)).max(50).default([]),
    logoutURL: z.string().url().max(2048).nullable().default(null),
    logoutBehavior: z.enum(["AllApplications", "RedirectOnly"]).default("AllApplications"),
    enabledGrants: z
      .array(z.enum(OAUTH_GRANTS))
      .max(OAUTH_GRANTS.length)
      .default(["authorization_code", "refresh_token"]),
    generateRefreshTokens: z.boolean().default(true),
    clientAuthenticationPolicy: z.enum(["Required", "NotRequired", "NotRequiredWhenUsingPKCE"]).optional(),
    /** Deprecated boolean twin of clientAuthenticationPolicy (true = Required, false = NotRequired). */
    requireClientAuthentication: z.boolean().optional(),
    proofKeyForCodeExchangePolicy: z
      .enum(["NotRequired", "Required", "NotRequiredWhenUsingClientAuthentication"])
      .default("NotRequired"),
    requireRegistration: z.boolean().default(false),
    scopeHandlingPolicy: z.enum(["Strict", "Compatibility"]).default("Strict"),
    unknownScopePolicy: z.enum(["Reject", "Remove", "Allow"]).default("Reject"),
  })
  .transform(({ requireClientAuthentication: legacy, clientAuthenticationPolicy, ...o }) => ({
    ...o,
    clientAuthenticationPolicy:
      clientAuthenticationPolicy ?? (legacy === false ? ("NotRequired" as const) : ("Required" as const)),
  }))
  .prefault({});

export const applicationSettings = z.object({
  roles: z.array(applicationRoleSchema).max(200).default([]),
  multiFactorConfiguration: z
    .object({
      /** null = the tenant's. */
      loginPolicy: loginPolicySchema.nullable().default(null),
      trustPolicy: nullDefault(trustPolicySchema, "Any"),
    })
    .prefault({}),
  /** FusionAuth's application override of the tenant's device-trust lifetime; null = the tenant's. */
  externalIdentifierConfiguration: z
    .object({
      twoFactorTrustIdTimeToLiveInSeconds: z.number().int().min(60).max(31_536_000).nullable().default(null),
    })
    .prefault({}),
  /**
   * FusionAuth's JWT override: when `enabled`, `accessTokenKeyId` / `idTokenKeyId` (the tenant's keys)
   * sign this application's access tokens / id_tokens, and the lifetimes replace the tenant's.
   */
  jwtConfiguration: z
    .object({
      enabled: z.boolean().default(false),
      accessTokenKeyId: keyIdSchema.nullable().default(null),
      idTokenKeyId: keyIdSchema.nullable().default(null),
      /** null = the tenant's. */
      timeToLiveInSeconds: z.number().int().min(60).max(86_400).nullable().default(null),
      refreshTokenTimeToLiveInMinutes: nullDefault(z.number().int().min(1).max(525_600), 43_200),
      refreshTokenUsagePolicy: nullDefault(z.enum(["Reusable", "OneTimeUse"]), "Reusable"),
    })
    .prefault({}),
  /** FusionAuth's OAuth 2.0 settings (clientId is the application id; the client secret is stored apart, hashed). */
  oauthConfiguration: oauthConfigurationSchema,
});

/** Complete application settings: every default applied. */
export type ApplicationSettings = z.output<typeof applicationSettings>;
export type ApplicationRole = ApplicationSettings["roles"][number];
export type OAuthConfiguration = ApplicationSettings["oauthConfiguration"];
