/**
 * Test support for email and SMS codes. Two ways to see what was "sent":
 * - the dev outbox (`GET /dev/outbox`), which the default test app uses (ENVIRONMENT=test selects
 *   MAIL_PROVIDER/SMS_PROVIDER=outbox);
 * - a fake provider: `providerApp()` builds an app whose Twilio and Resend adapters talk to an
 *   injected fetch that records every request and answers what the test scripts.
 * Codes are read from what the provider received, never from an API response.
 */
import { env } from "cloudflare:workers";
import { createApp } from "../../src/app.ts";
import { call, clock, type Target } from "./mfa.ts";

/** Tenant settings with both OOB types enabled; `extra` is merged into multiFactorConfiguration. */
export function oobTenant(
  extra: Record<string, unknown> = {},
  rest: Record<string, unknown> = {},
): Record<string, unknown> {
  return { multiFactorConfiguration: { email: { enabled: true }, sms: { enabled: true }, ...extra }, ...rest };
}

export function uniqueEmail(): string {
  return `oob-${crypto.randomUUID()}@example.com`;
}

/** A fictional US number (+1 555 01xx-style range, random tail). */
export function uniquePhone(prefix = "+1555"): string {
  return prefix + String(crypto.getRandomValues(new Uint32Array(1))[0]! % 10_000_000).padStart(7, "0");
}

export type OutboxEntry = {
  channel: "email" | "sms";
  to: string;
  from: string;
  subject: string | null;
  body: string;
  html: string | null;
  time: string;
};

/** Everything sent to `to`, newest first: codes and security notices. */
export async function fullOutbox(to: string, via?: Target): Promise<OutboxEntry[]> {
  const r = await call("GET", `/dev/outbox?to=${encodeURIComponent(to)}`, via ? { via } : {});
  if (r.status !== 200) throw new Error(`outbox: ${r.status}`);
  return r.body.messages;
}

/**
 * A security notice (src/domain/alert-message.ts), not a code message. Notices arrive from the
 * UserGuard's alarm a moment after the change they report, so code tests leave them out.
 */
export function isNotice(m: OutboxEntry): boolean {
  return m.channel === "email"
    ? / security$/.test(m.body.trimEnd())
    : /If this wasn't you, change your password\.$/.test(m.body);
}

/** Code messages sent to `to`, newest first. */
export async function outbox(to: string, via?: Target): Promise<OutboxEntry[]> {
  return (await fullOutbox(to, via)).filter((m) => !isNotice(m));
}

export function codeIn(text: string): string {
  const m = /\b(\d{6})\b/.exec(text);
  if (!m) throw new Error("no 6-digit code in the message");
  return m[1]!;
}

/** The code of the newest message to `to` in the dev outbox. */
export async function lastCode(to: string): Promise<string> {
  const [m] = await outbox(to);
  if (!m) throw new Error(`no message to ${to}`);
  return codeIn(m.body);
}

/** Sends an enable code, enables the method with it, returns the new method id (and recovery codes when first). */
export async function enableOob(
  key: string,
  userId: string,
  channel: "email" | "sms",
  destination: string,
  via?: Target & { lastCode: (to: string) => string },
): Promise<{ methodId: string; recoveryCodes?: string[] }> {
  const field = channel === "email" ? "email" : "mobilePhone";
  const opts = via ? { via } : {};
  const sent = await call("POST", "/api/two-factor/send", {
    key,
    body: { userId, method: channel, [field]: destination },
    ...opts,
  });
  if (sent.status !== 200) throw new Error(`send: ${sent.status} ${sent.text}`);
  const code = via ? via.lastCode(destination) : await lastCode(destination);
  const r = await call("POST", `/api/user/two-factor/${userId}`, {
    key,
    body: { method: channel, code, [field]: destination },
    ...opts,
  });
  if (r.status !== 200) throw new Error(`enable: ${r.status} ${r.text}`);
  const user = await call("GET", `/api/user/${userId}`, { key, ...opts });
  const method = (
    user.body.user.twoFactor.methods as Array<{ id: string; method: string; email?: string; mobilePhone?: string }>
  ).find((m) => m.method === channel && m[field] === destination);
  return { methodId: method!.id, recoveryCodes: r.body.recoveryCodes };
}

export type RecordedRequest = { url: string; method: string; headers: Headers; body: string };
export type Responder = (req: RecordedRequest, attempt: number) => Response | Promise<Response>;

/**
 * A scripted provider: records every outbound request and answers with `respond` (default: Twilio
 * 201 / Resend 200). `lastCode(to)` reads the code from the newest recorded message to `to`.
 */
export class FakeProvider {
  requests: RecordedRequest[] = [];
  respond: Responder = defaultAnswer;

  fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const req: RecordedRequest = {
      url,
      method: init.method ?? "GET",
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? init.body : "",
    };
    this.requests.push(req);
    return this.respond(req, this.requests.length);
  };

  /** Recipient of a recorded request, Twilio (form `To`) or Resend (JSON `to[0]`). */
  static recipient(r: RecordedRequest): string {
    if (r.url.includes("/Messages.json")) return new URLSearchParams(r.body).get("To") ?? "";
    return (JSON.parse(r.body) as { to: string[] }).to[0] ?? "";
  }

  static text(r: RecordedRequest): string {
    if (r.url.includes("/Messages.json")) return new URLSearchParams(r.body).get("Body") ?? "";
    return (JSON.parse(r.body) as { text: string }).text;
  }

  sentTo(to: string): RecordedRequest[] {
    return this.requests.filter((r) => FakeProvider.recipient(r) === to);
  }

  lastCode = (to: string): string => {
    const sent = this.sentTo(to);
    if (!sent.length) throw new Error(`nothing sent to ${to}`);
    return codeIn(FakeProvider.text(sent[sent.length - 1]!));
  };
}

function defaultAnswer(req: RecordedRequest): Response {
  if (req.url.includes("/Messages.json"))
    return Response.json({ sid: `SM${"0".repeat(32)}`, status: "queued" }, { status: 201 });
  return Response.json({ id: crypto.randomUUID() });
}

export const TWILIO_SID = `AC${"ab12".repeat(8)}`;
export const PROVIDER_SECRETS = {
  twilioToken: "twilio-auth-token-test-only-0123456789",
  resendKey: "re_test_only_key_0123456789abcdef",
};

/** An app whose SMS goes to Twilio and mail to Resend, both through `fake`. */
export function providerApp(fake: FakeProvider): Target & { lastCode: (to: string) => string } {
  const bindings = {
    ...env,
    SMS_PROVIDER: "twilio",
    TWILIO_ACCOUNT_SID: TWILIO_SID,
    TWILIO_AUTH_TOKEN: PROVIDER_SECRETS.twilioToken,
    TWILIO_FROM: "+15005550006",
    TWILIO_API_BASE_URL: "https://twilio.fake.test",
    MAIL_PROVIDER: "resend",
    MAIL_API_KEY: PROVIDER_SECRETS.resendKey,
    MAIL_FROM: "Edge MFA <mfa@example.com>",
    MAIL_API_BASE_URL: "https://resend.fake.test",
  } as unknown as Env;
  const app = createApp({ overrides: { now: () => clock.now, fetch: fake.fetch, sleep: async () => {} } });
  return { app, env: bindings, lastCode: fake.lastCode };
}
