/**
 * Configuration: the one place that reads vars and secrets. `parseConfig` validates them once per
 * isolate with zod; a worker missing a required secret refuses to serve (500 with a fixed body)
 * rather than run half-configured. Never log the parsed values.
 */
import * as z from "zod";

const base64Key32 = /^[A-Za-z0-9+/]{43}=?$/;

/** Unset and empty (`NAME=` in .dev.vars) mean the same: absent. */
const opt = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === "" ? undefined : v), s.optional());
const httpUrl = z
  .string()
  .max(512)
  .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, "must be an http(s) URL");

export const MAIL_PROVIDERS = ["outbox", "resend", "postmark", "sendgrid", "cloudflare", "none"] as const;
export const SMS_PROVIDERS = ["outbox", "twilio", "none"] as const;
export type MailProvider = (typeof MAIL_PROVIDERS)[number];
export type SmsProvider = (typeof SMS_PROVIDERS)[number];

export const configSchema = z
  .object({
    ENVIRONMENT: z.enum(["development", "test", "production"]).default("production"),
    /** Superuser key for bootstrapping tenants and keys. High entropy, compared by SHA-256 digest. */
    BOOTSTRAP_API_KEY: z.string().min(32, "BOOTSTRAP_API_KEY must be at least 32 characters"),
    /** AES-256-GCM keyring for TOTP secrets at rest: `kid:base64key[,kid:base64key…]`, first = current. */
    ENCRYPTION_KEYS: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/]{43}=?(,[A-Za-z0-9_-]{1,16}:[A-Za-z0-9+/]{43}=?)*$/,
        "ENCRYPTION_KEYS must be kid:base64(32 bytes)[,…]",
      ),
    /** Pepper for keyed hashes of recovery codes and one-time codes; ≥ 256 bits. */
    HASH_PEPPER: z.string().min(32, "HASH_PEPPER must be at least 32 characters"),
    /** Turns on request counters for benchmarks (D1 queries, DO calls). Off unless "1". */
    BENCH_INSTRUMENTATION: z.enum(["0", "1"]).default("0"),
    /** Email codes: `outbox` (development default), `resend`, `postmark`, `sendgrid`, `cloudflare`, `none` (production default). */
    MAIL_PROVIDER: opt(z.enum(MAIL_PROVIDERS)),
    MAIL_API_KEY: opt(z.string().max(512)),
    /** `Name <address>` or an address; the provider must accept it as a sender. */
    MAIL_FROM: opt(z.string().max(320).regex(/@/, "MAIL_FROM must be an email address or Name <address>")),
    /** Points an adapter elsewhere (a mock, the EU region); defaults to the provider's API. */
    MAIL_API_BASE_URL: opt(httpUrl),
    /** Cloudflare Email Service: the account whose Email Sending is set up. */
    MAIL_ACCOUNT_ID: opt(z.string().regex(/^[0-9a-f]{32}$/, "MAIL_ACCOUNT_ID must be a Cloudflare account id")),
    /** SMS codes: `outbox` (development default), `twilio`, `none` (production default). */
    SMS_PROVIDER: opt(z.enum(SMS_PROVIDERS)),
    TWILIO_ACCOUNT_SID: opt(z.string().regex(/^AC[0-9a-fA-F]{32}$/, "TWILIO_ACCOUNT_SID must be AC + 32 hex digits")),
    TWILIO_AUTH_TOKEN: opt(z.string().max(256)),
    TWILIO_API_KEY_SID: opt(z.string().regex(/^SK[0-9a-fA-F]{32}$/, "TWILIO_API_KEY_SID must be SK + 32 hex digits")),
    TWILIO_API_KEY_SECRET: opt(z.string().max(256)),
    /** An E.164 number or an alphanumeric sender id (≤ 11 characters). */
    TWILIO_FROM: opt(
      z
        .string()
        .regex(/^(\+[1-9][0-9]{6,14}|[A-Za-z0-9 ]{1,11})$/, "TWILIO_FROM must be E.164 or an alphanumeric sender id"),
    ),
    TWILIO_MESSAGING_SERVICE_SID: opt(
      z.string().regex(/^MG[0-9a-fA-F]{32}$/, "TWILIO_MESSAGING_SERVICE_SID must be MG + 32 hex digits"),
    ),
    TWILIO_API_BASE_URL: opt(httpUrl),
  })
  .superRefine(checkDelivery);

export type Config = z.infer<typeof configSchema>;

/** Development and tests: the dev outbox and the /dev routes exist only here. */
export function isDevEnvironment(environment: string): boolean {
  return environment === "development" || environment === "test";
}

/** The fields the delivery checks read (spelled out: `Config` itself depends on `checkDelivery`). */
type DeliveryFields = {
  ENVIRONMENT: "development" | "test" | "production";
  MAIL_PROVIDER?: MailProvider;
  SMS_PROVIDER?: SmsProvider;
  MAIL_API_KEY?: string;
  MAIL_FROM?: string;
  MAIL_ACCOUNT_ID?: string;
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_API_KEY_SID?: string;
  TWILIO_API_KEY_SECRET?: string;
  TWILIO_FROM?: string;
  TWILIO_MESSAGING_SERVICE_SID?: string;
};
type DeliveryConfig = Pick<DeliveryFields, "ENVIRONMENT" | "MAIL_PROVIDER" | "SMS_PROVIDER">;

/** Unset means `outbox` in development and tests, `none` (no delivery) in production. */
export function effectiveMailProvider(c: DeliveryConfig): MailProvider {
  return c.MAIL_PROVIDER ?? (c.ENVIRONMENT === "production" ? "none" : "outbox");
}

export function effectiveSmsProvider(c: DeliveryConfig): SmsProvider {
  return c.SMS_PROVIDER ?? (c.ENVIRONMENT === "production" ? "none" : "outbox");
}

/** A selected provider without its credentials, or the dev outbox in production, refuses to serve. */
function checkDelivery(c: DeliveryFields, ctx: z.RefinementCtx): void {
  const problem = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  const need = (name: keyof DeliveryFields, why: string) => {
    if (!c[name]) problem(name, `${name} is required ${why}`);
  };
  const mail = effectiveMailProvider(c);
  const sms = effectiveSmsProvider(c);
  if (mail === "outbox" && c.ENVIRONMENT === "production")
    problem("MAIL_PROVIDER", "outbox is for development and tests only");
  if (sms === "outbox" && c.ENVIRONMENT === "production")
    problem("SMS_PROVIDER", "outbox is for development and tests only");
  if (mail !== "outbox" && mail !== "none") {
    need("MAIL_API_KEY", `with MAIL_PROVIDER=${mail}`);
    need("MAIL_FROM", `with MAIL_PROVIDER=${mail}`);
  }
  if (mail === "cloudflare") need("MAIL_ACCOUNT_ID", "with MAIL_PROVIDER=cloudflare");
  if (sms === "twilio") {
    need("TWILIO_ACCOUNT_SID", "with SMS_PROVIDER=twilio");
    const keyPair = c.TWILIO_API_KEY_SID && c.TWILIO_API_KEY_SECRET;
    if (!c.TWILIO_AUTH_TOKEN && !keyPair)
      problem(
        "TWILIO_AUTH_TOKEN",
        "TWILIO_AUTH_TOKEN or TWILIO_API_KEY_SID + TWILIO_API_KEY_SECRET is required with SMS_PROVIDER=twilio",
      );
    if (!c.TWILIO_FROM && !c.TWILIO_MESSAGING_SERVICE_SID)
      problem("TWILIO_FROM", "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with SMS_PROVIDER=twilio");
  }
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

let cached: { env: unknown; result: ConfigResult } | undefined;

/** Validates the worker's env once per isolate (per env object). Returns the names of the problems only. */
export function parseConfig(env: Record<string, unknown>): ConfigResult {
  if (cached && cached.env === env) return cached.result;
  const parsed = configSchema.safeParse(env);
  const result: ConfigResult = parsed.success
    ? { ok: true, config: parsed.data }
    : { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
  cached = { env, result };
  return result;
}

export { base64Key32 };
