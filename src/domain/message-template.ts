/**
 * Code messages (pure): fills a tenant's template with the code, its lifetime and the tenant's name.
 * Placeholders are `{{code}}`, `{{minutes}}` and `{{tenantName}}` (spaces inside the braces allowed);
 * anything else is left as written. HTML bodies get every value HTML-escaped.
 *
 * Owns: rendering. Must never: keep or log a rendered message (it contains the code).
 */

export type MessageValues = { code: string; minutes: number; tenantName: string };

export type EmailTemplate = { subject: string; text: string; html?: string | null };
export type SmsTemplate = { text: string };

export type RenderedEmail = { subject: string; text: string; html?: string };

const PLACEHOLDER = /\{\{\s*(code|minutes|tenantName)\s*\}\}/g;

export function fillTemplate(
  template: string,
  values: MessageValues,
  escapeValue: (s: string) => string = (s) => s,
): string {
  return template.replace(PLACEHOLDER, (_m, name: keyof MessageValues) => escapeValue(String(values[name])));
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function renderEmail(t: EmailTemplate, values: MessageValues): RenderedEmail {
  const out: RenderedEmail = {
    subject: fillTemplate(t.subject, values).replace(/[\r\n]+/g, " "),
    text: fillTemplate(t.text, values),
  };
  if (t.html) out.html = fillTemplate(t.html, values, escapeHtml);
  return out;
}

export function renderSms(t: SmsTemplate, values: MessageValues): string {
  return fillTemplate(t.text, values);
}

/** Whole minutes a code lives, rounded up (a 90 s code "expires in 2 minutes"). */
export function lifetimeMinutes(ttlSeconds: number): number {
  return Math.max(1, Math.ceil(ttlSeconds / 60));
}

export const DEFAULT_EMAIL_TEMPLATE: EmailTemplate = {
  subject: "Your {{tenantName}} verification code",
  text: "Your {{tenantName}} verification code is {{code}}.\n\nIt expires in {{minutes}} minute(s). If you did not ask for a code, you can ignore this message.\n",
  html:
    '<!doctype html><html><body style="font-family:sans-serif"><p>Your {{tenantName}} verification code is</p>' +
    '<p style="font-size:28px;font-weight:bold;letter-spacing:4px">{{code}}</p>' +
    "<p>It expires in {{minutes}} minute(s). If you did not ask for a code, you can ignore this message.</p></body></html>",
};

export const DEFAULT_SMS_TEMPLATE: SmsTemplate = {
  text: "{{code}} is your {{tenantName}} verification code. It expires in {{minutes}} min.",
};
