/**
 * The mail adapters (Resend, Postmark, SendGrid v3, Cloudflare Email Service) against scripted
 * answers: the request each builds and how each provider's errors map onto the shared outcomes.
 */
import { describe, expect, it } from "vitest";
import { createCloudflareSender } from "../../src/adapters/mail/cloudflare.ts";
import { createPostmarkSender } from "../../src/adapters/mail/postmark.ts";
import { createResendSender, RESEND_API } from "../../src/adapters/mail/resend.ts";
import { createSendGridSender, parseFrom } from "../../src/adapters/mail/sendgrid.ts";
import type { MailSender } from "../../src/adapters/mail/types.ts";
import type { FetchFn } from "../../src/adapters/http.ts";
import { json, noSleep, scripted, type Answer } from "./fake-fetch.ts";

const msg = {
  to: "alice@example.com",
  from: "Edge MFA <mfa@example.com>",
  subject: "Your code",
  text: "Code 123456",
  html: "<b>123456</b>",
};
const ACCOUNT = "0123456789abcdef0123456789abcdef";

type Factory = (fetch: FetchFn) => MailSender;
const providers: Record<string, Factory> = {
  resend: (fetch) => createResendSender({ apiKey: "re_secret", fetch, ...noSleep }),
  postmark: (fetch) => createPostmarkSender({ apiKey: "pm-secret", fetch, ...noSleep }),
  sendgrid: (fetch) => createSendGridSender({ apiKey: "SG.secret", fetch, ...noSleep }),
  cloudflare: (fetch) => createCloudflareSender({ apiKey: "cf-token", accountId: ACCOUNT, fetch, ...noSleep }),
};

async function outcome(provider: string, ...answers: Answer[]) {
  const f = scripted(...answers);
  const out = await providers[provider]!(f.fetch).send(msg, { idempotencyKey: "idem-1" });
  return { out, seen: f.seen };
}

describe("requests", () => {
  it("resend: POST /emails, Bearer key, Idempotency-Key, to as a list", async () => {
    const { out, seen } = await outcome("resend", json(200, { id: "re-1" }));
    expect(out).toEqual({ ok: true, id: "re-1" });
    expect(seen[0]!.url).toBe(`${RESEND_API}/emails`);
    expect(seen[0]!.headers.get("authorization")).toBe("Bearer re_secret");
    expect(seen[0]!.headers.get("idempotency-key")).toBe("idem-1");
    expect(JSON.parse(seen[0]!.body)).toEqual({
      from: msg.from,
      to: [msg.to],
      subject: msg.subject,
      text: msg.text,
      html: msg.html,
    });
  });

  it("postmark: POST /email with the server token and the outbound stream", async () => {
    const { out, seen } = await outcome(
      "postmark",
      json(200, { To: msg.to, MessageID: "pm-1", ErrorCode: 0, Message: "OK" }),
    );
    expect(out).toEqual({ ok: true, id: "pm-1" });
    expect(seen[0]!.url).toBe("https://api.postmarkapp.com/email");
    expect(seen[0]!.headers.get("x-postmark-server-token")).toBe("pm-secret");
    expect(JSON.parse(seen[0]!.body)).toEqual({
      From: msg.from,
      To: msg.to,
      Subject: msg.subject,
      TextBody: msg.text,
      HtmlBody: msg.html,
      MessageStream: "outbound",
    });
  });

  it("sendgrid: POST /v3/mail/send with personalizations; 202 with X-Message-Id", async () => {
    const { out, seen } = await outcome(
      "sendgrid",
      new Response(null, { status: 202, headers: { "x-message-id": "sg-1" } }),
    );
    expect(out).toEqual({ ok: true, id: "sg-1" });
    expect(seen[0]!.url).toBe("https://api.sendgrid.com/v3/mail/send");
    expect(JSON.parse(seen[0]!.body)).toEqual({
      personalizations: [{ to: [{ email: msg.to }] }],
      from: { email: "mfa@example.com", name: "Edge MFA" },
      subject: msg.subject,
      content: [
        { type: "text/plain", value: msg.text },
        { type: "text/html", value: msg.html },
      ],
    });
    expect(parseFrom("plain@example.com")).toEqual({ email: "plain@example.com" });
    expect(parseFrom('"Quoted Name" <q@example.com>')).toEqual({ email: "q@example.com", name: "Quoted Name" });
  });

  it("cloudflare: POST the account's email/sending/send with the API token", async () => {
    const { out, seen } = await outcome(
      "cloudflare",
      json(200, { success: true, result: { delivered: [msg.to], queued: [], permanent_bounces: [] }, errors: [] }),
    );
    expect(out).toEqual({ ok: true, id: "idem-1" });
    expect(seen[0]!.url).toBe(`https://api.cloudflare.com/client/v4/accounts/${ACCOUNT}/email/sending/send`);
    expect(seen[0]!.headers.get("authorization")).toBe("Bearer cf-token");
    expect(JSON.parse(seen[0]!.body)).toEqual({
      to: msg.to,
      from: msg.from,
      subject: msg.subject,
      text: msg.text,
      html: msg.html,
    });
  });
});

describe("error outcomes", () => {
  const cases: Array<[string, string, Answer, Record<string, unknown>]> = [
    [
      "resend",
      "invalid to",
      json(422, {
        statusCode: 422,
        name: "validation_error",
        message: "Invalid `to` field. The email address needs to follow the `email@example.com` format.",
      }),
      { kind: "invalid_recipient" },
    ],
    [
      "resend",
      "sandbox sender (403 validation_error)",
      json(403, {
        statusCode: 403,
        name: "validation_error",
        message: "You can only send testing emails to your own email address",
      }),
      { kind: "misconfigured" },
    ],
    [
      "resend",
      "invalid from",
      json(422, { statusCode: 422, name: "invalid_from_address", message: "Invalid `from` field." }),
      { kind: "misconfigured" },
    ],
    [
      "resend",
      "missing key",
      json(401, { statusCode: 401, name: "missing_api_key", message: "Missing API key" }),
      { kind: "auth", status: 401 },
    ],
    [
      "resend",
      "invalid key",
      json(403, { statusCode: 403, name: "invalid_api_key", message: "API key is invalid" }),
      { kind: "auth", status: 403 },
    ],
    [
      "resend",
      "rate limit",
      json(429, { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" }, { "retry-after": "2" }),
      { kind: "rate_limited", retryAfterSec: 2 },
    ],
    [
      "resend",
      "daily quota",
      json(429, {
        statusCode: 429,
        name: "daily_quota_exceeded",
        message: "You have reached your daily email sending quota.",
      }),
      { kind: "rate_limited" },
    ],
    [
      "resend",
      "Prism 422 (no name)",
      json(422, { title: "Invalid request", status: 422 }),
      { kind: "rejected", status: 422 },
    ],
    [
      "postmark",
      "invalid request (300)",
      json(422, { ErrorCode: 300, Message: "Invalid 'To' address" }),
      { kind: "invalid_recipient", providerCode: 300 },
    ],
    [
      "postmark",
      "inactive recipient (406)",
      json(422, { ErrorCode: 406, Message: "inactive" }),
      { kind: "suppressed", providerCode: 406 },
    ],
    ["postmark", "bad token (10)", json(401, { ErrorCode: 10, Message: "bad token" }), { kind: "auth" }],
    [
      "postmark",
      "sender signature (400)",
      json(422, { ErrorCode: 400, Message: "Sender signature not defined" }),
      { kind: "misconfigured" },
    ],
    ["postmark", "rate limit (429)", json(429, { ErrorCode: 429, Message: "Rate limit" }), { kind: "rate_limited" }],
    [
      "sendgrid",
      "bad to",
      json(400, {
        errors: [{ message: "Does not contain a valid address.", field: "personalizations.0.to.0.email", help: null }],
      }),
      { kind: "invalid_recipient" },
    ],
    [
      "sendgrid",
      "bad from",
      json(400, {
        errors: [{ message: "The from address does not match a verified Sender Identity.", field: "from", help: null }],
      }),
      { kind: "misconfigured" },
    ],
    [
      "sendgrid",
      "unauthorized",
      json(401, { errors: [{ message: "authorization required", field: null }] }),
      { kind: "auth" },
    ],
    ["sendgrid", "forbidden", json(403, { errors: [{ message: "access forbidden", field: null }] }), { kind: "auth" }],
    ["sendgrid", "too large", json(413, { errors: [{ message: "too large", field: null }] }), { kind: "rejected" }],
    [
      "sendgrid",
      "rate limit",
      json(429, { errors: [{ message: "too many", field: null }] }, { "retry-after": "30" }),
      { kind: "rate_limited", retryAfterSec: 30 },
    ],
    [
      "cloudflare",
      "permanent bounce",
      json(200, { success: true, result: { delivered: [], queued: [], permanent_bounces: [msg.to] } }),
      { kind: "invalid_recipient" },
    ],
    [
      "cloudflare",
      "suppressed",
      json(400, { success: false, errors: [{ code: 10001, message: "email.sending.error.recipient_suppressed" }] }),
      { kind: "suppressed" },
    ],
    [
      "cloudflare",
      "sender not verified",
      json(403, { success: false, errors: [{ code: 10002, message: "email.sending.error.sender_not_verified" }] }),
      { kind: "misconfigured" },
    ],
    [
      "cloudflare",
      "bad token",
      json(401, { success: false, errors: [{ code: 10000, message: "Authentication error" }] }),
      { kind: "auth" },
    ],
    [
      "cloudflare",
      "rate limit",
      json(429, { success: false, errors: [{ code: 971, message: "rate limited" }] }),
      { kind: "rate_limited" },
    ],
  ];
  it.each(cases)("%s: %s", async (provider, _name, answer, expected) => {
    const providerText =
      answer instanceof Response
        ? [...(await answer.clone().text()).matchAll(/"(?:message|Message)":"([^"]+)"/g)].map((m) => m[1]!)
        : [];
    const { out, seen } = await outcome(provider, answer);
    expect(out).toMatchObject({ ok: false, ...expected });
    expect(seen).toHaveLength(1);
    for (const text of providerText) expect(JSON.stringify(out)).not.toContain(text); // provider text never travels on
  });

  it.each(Object.keys(providers))(
    "%s: 5xx, timeouts and network errors are transient and retried twice",
    async (provider) => {
      for (const answer of [json(500, {}), json(503, { errors: [] }), "timeout" as const, "network" as const]) {
        const { out, seen } = await outcome(provider, answer);
        expect(out).toMatchObject({ ok: false, kind: "transient" });
        expect(seen).toHaveLength(3);
      }
    },
  );

  it("resend: every retry of one send carries the same Idempotency-Key (Resend delivers it once)", async () => {
    const { out, seen } = await outcome(
      "resend",
      json(500, {}),
      json(409, { statusCode: 409, name: "concurrent_idempotent_requests", message: "in progress" }),
      json(200, { id: "re-2" }),
    );
    expect(out).toEqual({ ok: true, id: "re-2" });
    expect(seen.map((s) => s.headers.get("idempotency-key"))).toEqual(["idem-1", "idem-1", "idem-1"]);
  });
});
