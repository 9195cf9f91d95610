/** The one SMS interface every provider adapter implements. */
import type { SendOutcome } from "../http.ts";

export type OutboundSms = {
  /** E.164. */
  to: string;
  body: string;
  /** How long the provider may keep trying; a code that arrives after it expired is useless. */
  validitySeconds?: number;
};

export interface SmsSender {
  readonly provider: "outbox" | "twilio";
  /** Never throws for a provider's answer; see SendOutcome. */
  send(msg: OutboundSms, opts: { idempotencyKey: string }): Promise<SendOutcome>;
}
