/**
 * The one mail interface every provider adapter implements. A message carries one recipient, a
 * text body and optionally an HTML body: code mail needs no attachments, CC or templates.
 */
import type { SendOutcome, TransportOptions } from "../http.ts";

export type OutboundEmail = { to: string; from: string; subject: string; text: string; html?: string };

export type SendOptions = {
  /** The same for every retry of one logical send; sent where the provider honours one. */
  idempotencyKey: string;
};

export interface MailSender {
  readonly provider: "outbox" | "resend" | "postmark" | "sendgrid" | "cloudflare";
  /** Never throws for a provider's answer; see SendOutcome. */
  send(msg: OutboundEmail, opts: SendOptions): Promise<SendOutcome>;
}

/** What an HTTP mail adapter factory takes: transport, `baseUrl` (default: the provider's API) and the key. */
export type HttpMailOptions = TransportOptions & { baseUrl?: string; apiKey: string };
