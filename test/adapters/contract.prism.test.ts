/**
 * Contract tests: each adapter's real request, sent from workerd with the runtime's fetch to Prism
 * mock servers that validate it against the vendor's own OpenAPI document (test/setup/prism.mjs
 * starts them; their URLs arrive as bindings). A valid request must be accepted and its answer read
 * as a success; a request the spec refuses must map onto a clear outcome, not a crash or a success.
 *
 * What Prism cannot check: Twilio's `format: phone-number`, sender presence, real
 * credentials, and error bodies (the specs define only the success answer); those are covered by
 * the scripted-answer tests beside this file.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createResendSender } from "../../src/adapters/mail/resend.ts";
import { createSendGridSender } from "../../src/adapters/mail/sendgrid.ts";
import { createTwilioSender } from "../../src/adapters/sms/twilio.ts";

const urls = env as unknown as { PRISM_TWILIO_URL: string; PRISM_RESEND_URL: string; PRISM_SENDGRID_URL: string };
const fetch = (url: string, init: RequestInit) => globalThis.fetch(url, init);
const transport = { fetch, retries: 0 };

const SID = `AC${"0123456789abcdef".repeat(2)}`;
const sms = { to: "+15551234567", body: "123456 is your code", validitySeconds: 60 };
const mail = {
  to: "alice@example.com",
  from: "Edge MFA <mfa@example.com>",
  subject: "Your code",
  text: "Your code is 123456",
  html: "<p>123456</p>",
};

describe("Twilio Messages API v2010 (twilio-oai)", () => {
  it("accepts the form the adapter sends with an auth token and From: 201, the message sid", async () => {
    const out = await createTwilioSender({
      ...transport,
      baseUrl: urls.PRISM_TWILIO_URL,
      accountSid: SID,
      username: SID,
      password: "token",
      from: "+15005550006",
    }).send(sms, { idempotencyKey: "k" });
    expect(out).toMatchObject({ ok: true, id: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
  });

  it("accepts an API key pair with a Messaging Service and ValidityPeriod", async () => {
    const sender = createTwilioSender({
      ...transport,
      baseUrl: urls.PRISM_TWILIO_URL,
      accountSid: SID,
      username: `SK${"a".repeat(32)}`,
      password: "secret",
      messagingServiceSid: `MG${"b".repeat(32)}`,
    });
    expect(await sender.send(sms, { idempotencyKey: "k" })).toMatchObject({ ok: true });
  });

  it("a malformed request (AccountSid off the spec's pattern) → Prism 422 → `rejected`, not retried", async () => {
    const out = await createTwilioSender({
      ...transport,
      retries: 2,
      sleep: async () => {},
      baseUrl: urls.PRISM_TWILIO_URL,
      accountSid: "AC123",
      username: "AC123",
      password: "token",
      from: "+15005550006",
    }).send(sms, { idempotencyKey: "k" });
    expect(out).toEqual({ ok: false, kind: "rejected", status: 422 });
  });

  it("a bad MessagingServiceSid → 422 → `rejected`", async () => {
    const out = await createTwilioSender({
      ...transport,
      baseUrl: urls.PRISM_TWILIO_URL,
      accountSid: SID,
      username: SID,
      password: "token",
      messagingServiceSid: "MG-not-a-sid",
    }).send(sms, { idempotencyKey: "k" });
    expect(out).toMatchObject({ ok: false, kind: "rejected", status: 422 });
  });
});

describe("Resend (resend-openapi)", () => {
  it("accepts the JSON body, Bearer key and Idempotency-Key: 200 {id}", async () => {
    const out = await createResendSender({ ...transport, baseUrl: urls.PRISM_RESEND_URL, apiKey: "re_test" }).send(
      mail,
      { idempotencyKey: `edge-mfa-${crypto.randomUUID()}` },
    );
    expect(out).toEqual({ ok: true, id: "string" }); // the spec's example
  });

  it("a request without a usable key → Prism 401 → `auth`", async () => {
    const out = await createResendSender({ ...transport, baseUrl: urls.PRISM_RESEND_URL, apiKey: "" }).send(mail, {
      idempotencyKey: "k",
    });
    expect(out).toMatchObject({ ok: false, kind: "auth", status: 401 });
  });
});

describe("SendGrid mail v3 (sendgrid-oai)", () => {
  it("accepts personalizations, from {email, name} and both content types: 202", async () => {
    const out = await createSendGridSender({ ...transport, baseUrl: urls.PRISM_SENDGRID_URL, apiKey: "SG.test" }).send(
      mail,
      { idempotencyKey: "k" },
    );
    expect(out).toMatchObject({ ok: true });
  });

  it("a malformed recipient (not an email) → the spec's 400 → `rejected`", async () => {
    const out = await createSendGridSender({ ...transport, baseUrl: urls.PRISM_SENDGRID_URL, apiKey: "SG.test" }).send(
      { ...mail, to: "not-an-address" },
      { idempotencyKey: "k" },
    );
    expect(out).toMatchObject({ ok: false, status: 400, kind: "rejected" });
  });
});
