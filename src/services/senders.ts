/**
 * Builds the mail and SMS senders the configuration selects (MAIL_PROVIDER, SMS_PROVIDER). Config
 * validation (src/env.ts) has already refused a selected provider without its credentials and the
 * outbox in production; `none` builds no sender, and a send then answers 502.
 */
import { createCloudflareSender } from "../adapters/mail/cloudflare.ts";
import { createOutboxMailSender, type OutboxStore } from "../adapters/mail/outbox.ts";
import { createPostmarkSender } from "../adapters/mail/postmark.ts";
import { createResendSender } from "../adapters/mail/resend.ts";
import { createSendGridSender } from "../adapters/mail/sendgrid.ts";
import type { MailSender } from "../adapters/mail/types.ts";
import { createOutboxSmsSender } from "../adapters/sms/outbox.ts";
import { createTwilioSender } from "../adapters/sms/twilio.ts";
import type { SmsSender } from "../adapters/sms/types.ts";
import type { FetchFn, TransportOptions } from "../adapters/http.ts";
import { effectiveMailProvider, effectiveSmsProvider, type Config } from "../config.ts";

export type Senders = { mail: MailSender | null; sms: SmsSender | null; mailFrom: string };

export type SenderDeps = {
  fetch: FetchFn;
  sleep?: (ms: number) => Promise<void>;
  now: () => number;
  outbox: () => OutboxStore;
};

const OUTBOX_FROM = "edge-mfa <no-reply@edge-mfa.localhost>";

export function buildSenders(config: Config, deps: SenderDeps): Senders {
  const transport: TransportOptions = { fetch: deps.fetch, ...(deps.sleep ? { sleep: deps.sleep } : {}) };
  const mailFrom = config.MAIL_FROM ?? OUTBOX_FROM;
  return { mail: mailSender(config, transport, deps), sms: smsSender(config, transport, deps), mailFrom };
}

function mailSender(c: Config, t: TransportOptions, deps: SenderDeps): MailSender | null {
  const http = { ...t, apiKey: c.MAIL_API_KEY ?? "", ...(c.MAIL_API_BASE_URL ? { baseUrl: c.MAIL_API_BASE_URL } : {}) };
  switch (effectiveMailProvider(c)) {
    case "outbox":
      return createOutboxMailSender({ store: deps.outbox(), now: deps.now });
    case "resend":
      return createResendSender(http);
    case "postmark":
      return createPostmarkSender(http);
    case "sendgrid":
      return createSendGridSender(http);
    case "cloudflare":
      return createCloudflareSender({ ...http, accountId: c.MAIL_ACCOUNT_ID ?? "" });
    case "none":
      return null;
  }
}

function smsSender(c: Config, t: TransportOptions, deps: SenderDeps): SmsSender | null {
  switch (effectiveSmsProvider(c)) {
    case "outbox":
      return createOutboxSmsSender({ store: deps.outbox(), from: c.TWILIO_FROM ?? "edge-mfa", now: deps.now });
    case "twilio": {
      // An API key pair wins over the auth token when both are set (Twilio's recommendation for production).
      const keyPair =
        c.TWILIO_API_KEY_SID && c.TWILIO_API_KEY_SECRET
          ? { username: c.TWILIO_API_KEY_SID, password: c.TWILIO_API_KEY_SECRET }
          : null;
      return createTwilioSender({
        ...t,
        ...(c.TWILIO_API_BASE_URL ? { baseUrl: c.TWILIO_API_BASE_URL } : {}),
        accountSid: c.TWILIO_ACCOUNT_SID ?? "",
        ...(keyPair ?? { username: c.TWILIO_ACCOUNT_SID ?? "", password: c.TWILIO_AUTH_TOKEN ?? "" }),
        ...(c.TWILIO_FROM ? { from: c.TWILIO_FROM } : {}),
        ...(c.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: c.TWILIO_MESSAGING_SERVICE_SID } : {}),
      });
    }
    case "none":
      return null;
  }
}
