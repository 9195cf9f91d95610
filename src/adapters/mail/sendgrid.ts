/**
 * SendGrid v3 (`POST /v3/mail/send`, Bearer key; EU accounts set MAIL_API_BASE_URL to
 * https://api.eu.sendgrid.com). Answers: 202 with an empty body and the id in `X-Message-Id`;
 * errors `{errors: [{message, field, help}]}`. SendGrid drops suppressed recipients after a 202,
 * so `suppressed` never comes back synchronously. No idempotency key.
 */
import { failure, field, is2xx, kindOfStatus, postWithRetries, type HttpAnswer, type SendOutcome } from "../http.ts";
import { bearerJson, providerUrl } from "../provider.ts";
import type { HttpMailOptions, MailSender } from "./types.ts";

export const SENDGRID_API = "https://api.sendgrid.com";

export function createSendGridSender(o: HttpMailOptions): MailSender {
  const url = providerUrl(o.baseUrl, SENDGRID_API, "/v3/mail/send");
  return {
    provider: "sendgrid",
    send(msg, { idempotencyKey }) {
      const content = [
        { type: "text/plain", value: msg.text },
        ...(msg.html ? [{ type: "text/html", value: msg.html }] : []),
      ];
      const body = {
        personalizations: [{ to: [{ email: msg.to }] }],
        from: parseFrom(msg.from),
        subject: msg.subject,
        content,
      };
      const headers = bearerJson(o.apiKey);
      const accept = (a: HttpAnswer): SendOutcome | null =>
        is2xx(a) ? { ok: true, id: a.headers.get("x-message-id") ?? idempotencyKey } : null;
      return postWithRetries(o, url, headers, JSON.stringify(body), accept, mapSendGridError);
    },
  };
}

/** `Name <addr>` → `{email, name}`; a bare address → `{email}`. */
export function parseFrom(from: string): { email: string; name?: string } {
  const m = /^\s*(.*?)\s*<([^<>\s]+)>\s*$/.exec(from);
  if (!m) return { email: from.trim() };
  const name = m[1]!.replace(/^"|"$/g, "");
  return name ? { email: m[2]!, name } : { email: m[2]! };
}

export function mapSendGridError(a: HttpAnswer | null): SendOutcome {
  if (!a) return failure("transient", null);
  const errors = field(a.body, "errors");
  const first = Array.isArray(errors) ? errors[0] : undefined;
  const fieldName = String(field(first, "field") ?? "");
  if (a.status === 400 && /^personalizations(\.\d+)?\.to/.test(fieldName))
    return failure("invalid_recipient", a, fieldName);
  if (a.status === 400 && /^from/.test(fieldName)) return failure("misconfigured", a, fieldName);
  // 403 is also "the from address does not match a verified Sender Identity": both are the operator's.
  if (a.status === 403) return failure(/from/i.test(fieldName) ? "misconfigured" : "auth", a, fieldName || undefined);
  return failure(kindOfStatus(a.status), a, fieldName || undefined);
}
