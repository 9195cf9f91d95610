/**
 * Resend (`POST /emails`, Bearer key). The only mail API here with an idempotency key: every retry
 * of one send carries the same `Idempotency-Key`, so Resend delivers it at most once (24 h window).
 * Answers: 200 `{id}`; errors `{statusCode, name, message}` (Resend's OpenAPI document).
 */
import { failure, field, kindOfStatus, postWithRetries, type HttpAnswer, type SendOutcome } from "../http.ts";
import { acceptIdField, bearerJson, providerUrl } from "../provider.ts";
import type { HttpMailOptions, MailSender } from "./types.ts";

export const RESEND_API = "https://api.resend.com";

export function createResendSender(o: HttpMailOptions): MailSender {
  const url = providerUrl(o.baseUrl, RESEND_API, "/emails");
  return {
    provider: "resend",
    send(msg, { idempotencyKey }) {
      const body = {
        from: msg.from,
        to: [msg.to],
        subject: msg.subject,
        text: msg.text,
        ...(msg.html ? { html: msg.html } : {}),
      };
      const headers = { ...bearerJson(o.apiKey), "idempotency-key": idempotencyKey.slice(0, 256) };
      const accept = acceptIdField("id", idempotencyKey);
      return postWithRetries(o, url, headers, JSON.stringify(body), accept, mapResendError);
    },
  };
}

/** Error names from Resend's error reference; anything unknown falls back on the status. */
export function mapResendError(a: HttpAnswer | null): SendOutcome {
  if (!a) return failure("transient", null);
  const name = field(a.body, "name");
  const message = String(field(a.body, "message") ?? "");
  const code = typeof name === "string" ? name : undefined;
  switch (code) {
    case "missing_api_key":
    case "invalid_api_key":
    case "restricted_api_key":
      return failure("auth", a, code);
    case "invalid_from_address":
    case "invalid_access":
    case "invalid_region":
      return failure("misconfigured", a, code);
    case "rate_limit_exceeded":
    case "daily_quota_exceeded":
    case "monthly_quota_exceeded":
      return failure("rate_limited", a, code);
    case "concurrent_idempotent_requests":
      return failure("transient", a, code);
    case "validation_error":
    case "invalid_parameter":
    case "missing_required_field":
      // A 403 validation_error is the sandbox sender or an unverified domain: the operator's to fix.
      if (a.status === 403) return failure("misconfigured", a, code);
      return failure(/`to`|\bto\b field/i.test(message) ? "invalid_recipient" : "rejected", a, code);
  }
  return failure(kindOfStatus(a.status), a, code);
}
