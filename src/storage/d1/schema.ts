/**
 * D1 schema (drizzle): the source of truth for `migrations/` (drizzle-kit generate). Durable records
 * only: tenants, applications, API keys, users, MFA methods, recovery codes, passkeys. Anything that must be
 * atomic per user (attempts, lockout, challenges, TOTP last step, trusts) lives in the UserGuard DO.
 *
 * Secrets at rest: API keys and recovery codes are keyed hashes (hex), TOTP secrets, webhook secrets
 * and signing keys AES-GCM ciphertext (`v1.<kid>.<iv>.<ct>`), passwords versioned PBKDF2 strings.
 *
 * Over 300 lines on purpose: declarative table definitions, one per table, read top to bottom like the
 * migrations they generate; splitting them would only scatter the foreign keys across files.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const timestamps = {
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
};

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Tenant settings in FusionAuth's shape, validated by `tenantSettingsSchema`. */
  settings: text("settings", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  ...timestamps,
});

export const applications = sqliteTable(
  "applications",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    settings: text("settings", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    /** Keyed hash (hex) of the OAuth client secret; the secret is shown once, at creation or rotation. */
    clientSecretHash: text("client_secret_hash"),
    ...timestamps,
  },
  (t) => [index("applications_tenant_idx").on(t.tenantId)],
);

export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  /** null = a key that may act in every tenant (FusionAuth's un-scoped key). */
  tenantId: text("tenant_id").references(() => tenants.id, { onDelete: "cascade" }),
  /** hex HMAC-SHA-256(pepper, key); keys are ≥ 256-bit random so a keyed hash suffices. */
  keyHash: text("key_hash").notNull().unique(),
  description: text("description"),
  ...timestamps,
});

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    email: text("email"),
    emailLower: text("email_lower"),
    username: text("username"),
    usernameLower: text("username_lower"),
    passwordHash: text("password_hash"),
    mobilePhone: text("mobile_phone"),
    firstName: text("first_name"),
    lastName: text("last_name"),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("users_tenant_email_uq").on(t.tenantId, t.emailLower),
    uniqueIndex("users_tenant_username_uq").on(t.tenantId, t.usernameLower),
  ],
);

export const mfaMethods = sqliteTable(
  "mfa_methods",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** FusionAuth's short method id (4 chars), unique per user. */
    id: text("id").notNull(),
    tenantId: text("tenant_id").notNull(),
    method: text("method", { enum: ["authenticator", "email", "sms"] }).notNull(),
    name: text("name"),
    /** AES-GCM ciphertext of the raw TOTP key (authenticator only). */
    secretEnc: text("secret_enc"),
    email: text("email"),
    mobilePhone: text("mobile_phone"),
    lastUsedAt: integer("last_used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("mfa_methods_pk").on(t.userId, t.id)],
);

export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** hex HMAC-SHA-256(pepper, "rc:" + tenant + ":" + user + ":" + canonical code). */
    codeHash: text("code_hash").notNull(),
    tenantId: text("tenant_id").notNull(),
    usedAt: integer("used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("recovery_codes_pk").on(t.userId, t.codeHash)],
);

/**
 * WebAuthn credentials (passkeys). `credential_id` is unique across the whole service (WebAuthn L3
 * §7.1 step 26: a credential id already registered to anyone is refused). The public key is the
 * COSE key as base64url; nothing here is secret. `sign_count` and the backup flags change only
 * through a conditional UPDATE after a verified assertion (src/services/webauthn.ts).
 */
export const passkeys = sqliteTable(
  "passkeys",
  {
    /** FusionAuth's WebAuthnCredential.id (UUID). */
    id: text("id").primaryKey(),
    /** base64url of the raw credential id (≤ 1023 bytes). */
    credentialId: text("credential_id").notNull().unique(),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** COSE_Key, base64url. */
    publicKey: text("public_key").notNull(),
    /** COSE algorithm id (-7 ES256, -8 EdDSA, -257 RS256). */
    algorithm: integer("algorithm").notNull(),
    signCount: integer("sign_count").notNull().default(0),
    transports: text("transports", { mode: "json" }).notNull().$type<string[]>(),
    /** BE flag at registration; an assertion with a different BE is refused. */
    backupEligible: integer("backup_eligible", { mode: "boolean" }).notNull(),
    /** BS flag, updated on every verified assertion. */
    backedUp: integer("backed_up", { mode: "boolean" }).notNull(),
    /** Whether the registration ceremony verified the user (UV flag). */
    userVerified: integer("user_verified", { mode: "boolean" }).notNull(),
    /** credProps.rk as the client reported it; null when not reported. */
    discoverable: integer("discoverable", { mode: "boolean" }),
    aaguid: text("aaguid").notNull(),
    relyingPartyId: text("relying_party_id").notNull(),
    name: text("name"),
    displayName: text("display_name"),
    userAgent: text("user_agent"),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("passkeys_user_idx").on(t.tenantId, t.userId)],
);

/**
 * Events in FusionAuth's envelope (src/domain/events.ts), written by the UserGuard's outbox alarm and
 * by the worker for tenant-level events. `id` is the event id receivers de-duplicate by; the insert
 * is `ON CONFLICT DO NOTHING`, so a retried flush writes each event once.
 */
export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    userId: text("user_id"),
    type: text("type").notNull(),
    /** Milliseconds since the epoch (FusionAuth instants). */
    createInstant: integer("create_instant").notNull(),
    /** The whole `event` object; never a code or secret. */
    payload: text("payload", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  },
  (t) => [
    index("events_tenant_idx").on(t.tenantId, t.createInstant),
    index("events_user_idx").on(t.tenantId, t.userId, t.createInstant),
  ],
);

/**
 * Webhook endpoints, one tenant each. The signing secret is AES-GCM ciphertext (it must be usable
 * to sign, so it cannot be hashed); `settings` holds the FusionAuth-shaped rest (eventsEnabled,
 * headers, timeouts, description).
 */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    secretEnc: text("secret_enc").notNull(),
    settings: text("settings", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    ...timestamps,
  },
  (t) => [index("webhooks_tenant_idx").on(t.tenantId)],
);

/** Delivery log: one row per (webhook, event), updated on every attempt. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    nextAttemptAt: integer("next_attempt_at"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("webhook_deliveries_uq").on(t.webhookId, t.eventId),
    index("webhook_deliveries_tenant_idx").on(t.tenantId, t.webhookId, t.createdAt),
  ],
);

/**
 * Token signing keys (FusionAuth's Key Master), one tenant each. `private_enc` is AES-GCM ciphertext
 * (src/services/signing-keys.ts) of the PKCS#8 private key or the HMAC secret, bound by AAD to the
 * key id and tenant; it never leaves the service. `public_jwk` is the JWKS entry (null for HMAC).
 * The tenant's newest asymmetric key signs its access tokens; older ones stay published until deleted.
 */
export const signingKeys = sqliteTable(
  "signing_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    algorithm: text("algorithm", { enum: ["RS256", "ES256", "HS256"] }).notNull(),
    type: text("type", { enum: ["RSA", "EC", "HMAC"] }).notNull(),
    /** Bits: the RSA modulus, the EC field, or the HMAC secret. */
    length: integer("length").notNull(),
    /** RFC 7638 SHA-256 thumbprint of the public key; random for HMAC keys. */
    kid: text("kid").notNull(),
    /** SPKI PEM; null for HMAC. */
    publicKey: text("public_key"),
    publicJwk: text("public_jwk", { mode: "json" }).$type<Record<string, string>>(),
    privateEnc: text("private_enc").notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("signing_keys_tenant_name_uq").on(t.tenantId, t.name),
    index("signing_keys_tenant_idx").on(t.tenantId, t.createdAt),
  ],
);

/** FusionAuth's user registrations: a user's membership of an application, with its roles. */
export const registrations = sqliteTable(
  "registrations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    applicationId: text("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    /** Role names (the application's roles), sorted. */
    roles: text("roles", { mode: "json" }).notNull().$type<string[]>(),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
    username: text("username"),
    verified: integer("verified", { mode: "boolean" }).notNull().default(true),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("registrations_user_app_uq").on(t.userId, t.applicationId),
    index("registrations_app_idx").on(t.applicationId),
  ],
);

/**
 * Who changed what (FusionAuth's audit log, `GET /api/system/audit-log`): every change made through
 * the admin console or with an API key to tenants, applications, keys, webhooks, API keys and users'
 * MFA. `tenantId` null = a change outside any tenant (a global key or global admin acting globally).
 * Never a secret in `oldValue` / `newValue` / `data`.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: text("tenant_id"),
    /** Milliseconds since the epoch. */
    insertInstant: integer("insert_instant").notNull(),
    /** Who: "apiKey:{keyId}" or "user:{userId}" (a console admin), FusionAuth's `insertUser`. */
    insertUser: text("insert_user").notNull(),
    /** What, in words ("Updated tenant [name]"). */
    message: text("message").notNull(),
    /** Machine-readable action and target, e.g. { action: "tenant.update", targetId, ipAddress, source: "console" | "api" }. */
    data: text("data", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    oldValue: text("old_value", { mode: "json" }).$type<unknown>(),
    newValue: text("new_value", { mode: "json" }).$type<unknown>(),
  },
  (t) => [index("audit_tenant_idx").on(t.tenantId, t.insertInstant)],
);

export type TenantRow = typeof tenants.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type RegistrationRow = typeof registrations.$inferSelect;
export type ApplicationRow = typeof applications.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;

export const schema = {
  tenants,
  applications,
  apiKeys,
  users,
  mfaMethods,
  recoveryCodes,
  passkeys,
  events,
  webhooks,
  webhookDeliveries,
  signingKeys,
  registrations,
  auditLog,
};
export { sql };
