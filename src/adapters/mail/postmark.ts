/**
 * Postmark (`POST /email`, `X-Postmark-Server-Token`). Answers: 200 `{MessageID, ErrorCode: 0}`;
 * 422 `{ErrorCode, Message}` with Postmark's API error codes; 401 for a bad token. No idempotency
 * key: a retried timeout may deliver the same code twice (harmless: same code, counted once).
 */
import { failure, field, kindOfStatus, postWithRetries, type HttpAnswer, type SendOutcome } from "../http.ts";
import { acceptIdField, providerUrl } from "../provider.ts";
import type { HttpMailOptions, MailSender } from "./types.ts";

export const POSTMARK_API = "https://api.postmarkapp.com";

export function createPostmarkSender(o: HttpMailOptions): MailSender {
  const url = providerUrl(o.baseUrl, POSTMARK_API, "/email");
  return {
    provider: "postmark",
    send(msg) {
      const body = {
        From: msg.from,
        To: msg.to,
        Subject: msg.subject,
        TextBody: msg.text,
        ...(msg.html ? { HtmlBody: msg.html } : {}),
        MessageStream: "outbound",
      };
      const headers = {
        "x-postmark-server-token": o.apiKey,
        accept: "application/json",
        "content-type": "application/json",
      };
      const accept = acceptIdField("MessageID", "postmark", isPostmarkSuccess);
      return postWithRetries(o, url, headers, JSON.stringify(body), accept, mapPostmarkError);
    },
  };
}

/** Postmark answers 200 with `ErrorCode: 0` (or none) on success. */
const isPostmarkSuccess = (a: HttpAnswer) => a.status === 200 && (field(a.body, "ErrorCode") ?? 0) === 0;

/** Postmark API error codes (postmarkapp.com/developer/api/overview#error-codes). */
export function mapPostmarkError(a: HttpAnswer | null): SendOutcome {
  if (!a) return failure("transient", null);
  const code = field(a.body, "ErrorCode");
  switch (typeof code === "number" ? code : -1) {
    case 10: // bad or missing server token
      return failure("auth", a, 10);
    case 300: // invalid email request: with a validated From, the To address
      return failure("invalid_recipient", a, 300);
    case 406: // inactive recipient (bounced, complained, unsubscribed)
      return failure("suppressed", a, 406);
    case 400: // sender signature not found
    case 401: // sender signature not confirmed
    case 405: // not allowed to send (account)
    case 412: // account pending approval
    case 1235: // message stream missing or invalid
      return failure("misconfigured", a, code as number);
    case 429:
      return failure("rate_limited", a, 429);
  }
  return failure(kindOfStatus(a.status), a, typeof code === "number" ? code : undefined);
}
