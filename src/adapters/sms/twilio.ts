/**
 * Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded,
 * HTTP Basic with `AccountSid:AuthToken` or `ApiKeySid:ApiKeySecret` (the AccountSid stays in the
 * path), sender `From` or `MessagingServiceSid`. Answers: 201 with the Message resource (`sid`);
 * errors `{code, message, more_info, status}` (Twilio's OpenAPI document twilio_api_v2010). Delivery-time
 * failures (30003, 30006 …) arrive later by status callback and are out of scope.
 *
 * No request idempotency key exists for this API: a retried timeout may send the same code twice
 * (same code, counted once by the throttles).
 */
import {
  failure,
  field,
  kindOfStatus,
  postWithRetries,
  type HttpAnswer,
  type SendOutcome,
  type TransportOptions,
} from "../http.ts";
import { acceptIdField, providerUrl } from "../provider.ts";
import type { SmsSender } from "./types.ts";

export const TWILIO_API = "https://api.twilio.com";

export type TwilioOptions = TransportOptions & {
  baseUrl?: string;
  accountSid: string;
  /** Account SID + auth token, or API key SID + secret. */
  username: string;
  password: string;
  from?: string;
  messagingServiceSid?: string;
};

export function createTwilioSender(o: TwilioOptions): SmsSender {
  const url = providerUrl(
    o.baseUrl,
    TWILIO_API,
    `/2010-04-01/Accounts/${encodeURIComponent(o.accountSid)}/Messages.json`,
  );
  const authorization = `Basic ${btoa(`${o.username}:${o.password}`)}`;
  return {
    provider: "twilio",
    send(msg) {
      const form = new URLSearchParams({ To: msg.to, Body: msg.body });
      if (o.messagingServiceSid) {
        form.set("MessagingServiceSid", o.messagingServiceSid);
        // ValidityPeriod applies to Messaging Service sends only (1–36000 s).
        if (msg.validitySeconds)
          form.set("ValidityPeriod", String(Math.max(1, Math.min(36_000, Math.floor(msg.validitySeconds)))));
      }
      if (o.from) form.set("From", o.from);
      const headers = {
        authorization,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      };
      return postWithRetries(o, url, headers, form.toString(), acceptIdField("sid", "twilio"), mapTwilioError);
    },
  };
}

/** Twilio error codes (twilio.com/docs/api/errors) onto outcomes; unknown codes fall back on the status. */
export function mapTwilioError(a: HttpAnswer | null): SendOutcome {
  if (!a) return failure("transient", null);
  const raw = field(a.body, "code");
  const code = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : undefined;
  switch (code) {
    case 21211: // invalid To
    case 21614: // To is not SMS-capable (landline)
    case 21217: // phone number does not appear to be valid
    case 21401: // invalid phone number
      return failure("invalid_recipient", a, code);
    case 21610: // the recipient replied STOP
      return failure("suppressed", a, code);
    case 21408: // permission to send to this region is not enabled
    case 21612: // To/From pair not routable
      return failure("region_blocked", a, code);
    case 20003: // authentication failed
      return failure("auth", a, code);
    case 20429: // too many concurrent requests
    case 21611: // From has over 10 hours of messages queued
    case 14107: // send rate limit exceeded
      return failure("rate_limited", a, code);
    case 21606: // From is not SMS-capable
    case 21608: // trial account: unverified To
    case 21212: // invalid From
    case 21603: // From is missing
    case 21659: // From is not a Twilio number
    case 21701: // Messaging Service not found
    case 21703: // Messaging Service has no senders
    case 21705: // invalid Messaging Service
    case 20404: // account (or resource) not found: wrong AccountSid
      return failure("misconfigured", a, code);
  }
  return failure(kindOfStatus(a.status), a, code);
}
