/**
 * Tenant settings for email and SMS codes (an edge-mfa extension of FusionAuth's
 * `multiFactorConfiguration`): message templates, the SMS country allowlist and the send caps,
 * with their defaults. src/settings/tenant.ts embeds these schemas.
 *
 * Default caps, per hour unless noted, calibrated on peers' published limits (Auth0 10 SMS/h,
 * Supabase 30 OTP/h, Telnyx 3 per number per 10 min; Twilio Verify 5 sends per verification):
 *   5 sends per challenge · 10 per user · 5 per destination · 30 per client IP (anonymous route) ·
 *   1000 per tenant · 30 s between two sends of the same challenge or enable/disable code.
 */
import * as z from "zod";
import { DEFAULT_EMAIL_TEMPLATE, DEFAULT_SMS_TEMPLATE } from "../domain/message-template.ts";
import { nullDefault } from "./stored-form.ts";

const withCode = (s: string) => /\{\{\s*code\s*\}\}/.test(s);
const codeMessage = "must contain the {{code}} placeholder";

const emailTemplateSchema = z.object({
  subject: z.string().trim().min(1).max(255),
  text: z.string().min(1).max(8000).refine(withCode, codeMessage),
  html: z.string().max(65_536).refine(withCode, codeMessage).nullable().default(null),
});

const smsTemplateSchema = z.object({ text: z.string().min(1).max(480).refine(withCode, codeMessage) });

/** Absent or null: the built-in template (src/domain/message-template.ts). */
export const emailTemplate = nullDefault(emailTemplateSchema, { html: null, ...DEFAULT_EMAIL_TEMPLATE });
export const smsTemplate = nullDefault(smsTemplateSchema, DEFAULT_SMS_TEMPLATE);

/** E.164 calling-code prefixes, digits only: "1", "44", "4930"; null = every country. */
export const callingCodes = z
  .array(z.string().regex(/^[1-9][0-9]{0,5}$/, "must be an E.164 calling-code prefix (digits)"))
  .max(300)
  .nullable()
  .default(null);

export const SEND_WINDOW_SECONDS = 3600;

export const sendLimitsSchema = z
  .object({
    perChallenge: z.number().int().min(1).max(20).default(5),
    perUserPerHour: z.number().int().min(1).max(100).default(10),
    perDestinationPerHour: z.number().int().min(1).max(100).default(5),
    perIpPerHour: z.number().int().min(1).max(100_000).default(30),
    perTenantPerHour: z.number().int().min(1).max(1_000_000).default(1000),
    resendCooldownSeconds: z.number().int().min(0).max(600).default(30),
  })
  .prefault({});

export type SendLimits = z.output<typeof sendLimitsSchema>;
