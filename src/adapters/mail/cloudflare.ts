/**
 * Cloudflare Email Service through its REST API (`POST /client/v4/accounts/{account}/email/sending/send`,
 * Bearer API token). Answers the Cloudflare envelope: `{success, result: {delivered[], queued[],
 * permanent_bounces[]}, errors: [{code, message}]}` (Cloudflare Email Service API). A 200 that lists the recipient
 * under `permanent_bounces` is not a success. No idempotency key. The service is in beta and has no
 * published OpenAPI document here, so the error mapping follows the documented statuses only.
 */
import { failure, field, is2xx, kindOfStatus, postWithRetries, type HttpAnswer, type SendOutcome } from "../http.ts";
import { bearerJson, providerUrl } from "../provider.ts";
import type { HttpMailOptions, MailSender } from "./types.ts";

export const CLOUDFLARE_API = "https://api.cloudflare.com";

export function createCloudflareSender(o: HttpMailOptions & { accountId: string }): MailSender {
  const path = `/client/v4/accounts/${encodeURIComponent(o.accountId)}/email/sending/send`;
  const url = providerUrl(o.baseUrl, CLOUDFLARE_API, path);
  return {
    provider: "cloudflare",
    send(msg, { idempotencyKey }) {
      const body = {
        to: msg.to,
        from: msg.from,
        subject: msg.subject,
        text: msg.text,
        ...(msg.html ? { html: msg.html } : {}),
      };
      const headers = bearerJson(o.apiKey);
      const accept = (a: HttpAnswer): SendOutcome | null => {
        if (!is2xx(a) || field(a.body, "success") !== true) return null;
        const bounced = field(field(a.body, "result"), "permanent_bounces");
        if (Array.isArray(bounced) && bounced.length > 0) return failure("invalid_recipient", a, "permanent_bounce");
        return { ok: true, id: idempotencyKey };
      };
      return postWithRetries(o, url, headers, JSON.stringify(body), accept, mapCloudflareError);
    },
  };
}

export function mapCloudflareError(a: HttpAnswer | null): SendOutcome {
  if (!a) return failure("transient", null);
  const errors = field(a.body, "errors");
  const first = Array.isArray(errors) ? errors[0] : undefined;
  const key = String(field(first, "message") ?? "");
  const code = field(first, "code");
  const providerCode = typeof code === "number" || typeof code === "string" ? code : undefined;
  if (/suppress/i.test(key)) return failure("suppressed", a, providerCode);
  if (/recipient|destination/i.test(key) && a.status === 400) return failure("invalid_recipient", a, providerCode);
  if (/sender|from/i.test(key)) return failure("misconfigured", a, providerCode);
  return failure(kindOfStatus(a.status), a, providerCode);
}
