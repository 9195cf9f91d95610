/**
 * Tenant settings for email and SMS codes (an edge-mfa extension of FusionAuth's
 * `multiFactorConfiguration`): message templates, the SMS country allowlist and the send caps.
 * `src/settings.ts` embeds these schemas; defaults are applied by `completeDelivery*` here.
 *
 * Default caps, per hour unless noted, calibrated on peers' published limits (Auth0 10 SMS/h,
 * Supabase 30 OTP/h, Telnyx 3 per number per 10 min; Twilio Verify 5 sends per verification):
 *   5 sends per challenge · 10 per user · 5 per destination · 30 per client IP (anonymous route) ·
 *   1000 per tenant · 30 s between two sends of the same challenge or enable/disable code.
 */
import * as z from "zod";
import {
  DEFAULT_EMAIL_TEMPLATE,
  DEFAULT_SMS_TEMPLATE,
  type EmailTemplate,
  type SmsTemplate,
} from "./domain/message-template.ts";

const withCode = (s: string) => /\{\{\s*code\s*\}\}/.test(s);
const codeMessage = "must contain the {{code}} placeholder";

export const emailTemplateSchema = z.object({
  subject: z.string().trim().min(1).max(255),
  text: z.string().min(1).max(8000).refine(withCode, codeMessage),
  html: z.string().max(65_536).refine(withCode, codeMessage).nullish(),
});

export const smsTemplateSchema = z.object({ text: z.string().min(1).max(480).refine(withCode, codeMessage) });

/** E.164 calling-code prefixes, digits only: "1", "44", "4930". */
export const callingCodesSchema = z
  .array(z.string().regex(/^[1-9][0-9]{0,5}$/, "must be an E.164 calling-code prefix (digits)"))
  .max(300)
  .nullish();

export const SEND_WINDOW_SECONDS = 3600;

export type SendLimits = {
  perChallenge: number;
  perUserPerHour: number;
  perDestinationPerHour: number;
  perIpPerHour: number;
  perTenantPerHour: number;
  resendCooldownSeconds: number;
};

export const DEFAULT_SEND_LIMITS: SendLimits = {
  perChallenge: 5,
  perUserPerHour: 10,
  perDestinationPerHour: 5,
  perIpPerHour: 30,
  perTenantPerHour: 1000,
  resendCooldownSeconds: 30,
};

export const sendLimitsSchema = z
  .object({
    perChallenge: z.number().int().min(1).max(20),
    perUserPerHour: z.number().int().min(1).max(100),
    perDestinationPerHour: z.number().int().min(1).max(100),
    perIpPerHour: z.number().int().min(1).max(100_000),
    perTenantPerHour: z.number().int().min(1).max(1_000_000),
    resendCooldownSeconds: z.number().int().min(0).max(600),
  })
  .partial();

export function completeSendLimits(raw: z.infer<typeof sendLimitsSchema> | undefined): SendLimits {
  return {
    ...DEFAULT_SEND_LIMITS,
    ...Object.fromEntries(Object.entries(raw ?? {}).filter(([, v]) => v !== undefined)),
  };
}

export function completeEmailTemplate(raw: z.infer<typeof emailTemplateSchema> | null | undefined): EmailTemplate {
  return raw ? { subject: raw.subject, text: raw.text, html: raw.html ?? null } : DEFAULT_EMAIL_TEMPLATE;
}

export function completeSmsTemplate(raw: z.infer<typeof smsTemplateSchema> | null | undefined): SmsTemplate {
  return raw ? { text: raw.text } : DEFAULT_SMS_TEMPLATE;
}
