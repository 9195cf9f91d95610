/**
 * The Twilio adapter against scripted answers: the request it builds (form body, Basic auth, sender)
 * and every error outcome (twilio.com/docs/api/errors), with bounded retries on transient failures only.
 */
import { describe, expect, it } from "vitest";
import { createTwilioSender, TWILIO_API } from "../../src/adapters/sms/twilio.ts";
import { hangs, json, noSleep, scripted } from "./fake-fetch.ts";

const SID = `AC${"0123456789abcdef".repeat(2)}`;
const base = { accountSid: SID, username: SID, password: "auth-token-secret", from: "+15005550006", ...noSleep };
const msg = { to: "+15551234567", body: "123456 is your code", validitySeconds: 60 };
const twilioError = (status: number, code: number, headers: Record<string, string> = {}) =>
  json(
    status,
    {
      code,
      message: `provider text mentioning ${msg.to}`,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status,
    },
    headers,
  );

describe("request", () => {
  it("posts the form to the Messages resource with Basic auth and answers the message sid", async () => {
    const f = scripted(json(201, { sid: "SM0123", status: "queued" }));
    const out = await createTwilioSender({ ...base, fetch: f.fetch }).send(msg, { idempotencyKey: "k" });
    expect(out).toEqual({ ok: true, id: "SM0123" });
    const [req] = f.seen;
    expect(req!.url).toBe(`${TWILIO_API}/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req!.init.method).toBe("POST");
    expect(req!.headers.get("authorization")).toBe(`Basic ${btoa(`${SID}:auth-token-secret`)}`);
    expect(req!.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({
      To: msg.to,
      Body: msg.body,
      From: "+15005550006",
    });
  });

  it("uses an API key pair and a Messaging Service (with ValidityPeriod) when configured; the base URL is configurable", async () => {
    const f = scripted(json(201, { sid: "SM1" }));
    const mg = `MG${"a".repeat(32)}`;
    await createTwilioSender({
      accountSid: SID,
      username: `SK${"b".repeat(32)}`,
      password: "key-secret",
      messagingServiceSid: mg,
      baseUrl: "http://127.0.0.1:9/",
      fetch: f.fetch,
    }).send(msg, { idempotencyKey: "k" });
    expect(f.seen[0]!.url).toBe(`http://127.0.0.1:9/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(f.seen[0]!.headers.get("authorization")).toBe(`Basic ${btoa(`SK${"b".repeat(32)}:key-secret`)}`);
    expect(Object.fromEntries(new URLSearchParams(f.seen[0]!.body))).toEqual({
      To: msg.to,
      Body: msg.body,
      MessagingServiceSid: mg,
      ValidityPeriod: "60",
    });
  });
});

describe("error outcomes (one attempt each: nothing here is retried)", () => {
  it.each([
    ["21211 invalid To", twilioError(400, 21211), { kind: "invalid_recipient", status: 400, providerCode: 21211 }],
    ["21614 not SMS-capable", twilioError(400, 21614), { kind: "invalid_recipient", providerCode: 21614 }],
    ["21610 opted out (STOP)", twilioError(400, 21610), { kind: "suppressed", providerCode: 21610 }],
    ["21408 region not enabled", twilioError(400, 21408), { kind: "region_blocked", providerCode: 21408 }],
    ["21612 unroutable", twilioError(400, 21612), { kind: "region_blocked", providerCode: 21612 }],
    ["20003 authentication", twilioError(401, 20003), { kind: "auth", status: 401, providerCode: 20003 }],
    ["401 without a body", new Response("Unauthorized", { status: 401 }), { kind: "auth", status: 401 }],
    ["21606 From not capable", twilioError(400, 21606), { kind: "misconfigured", providerCode: 21606 }],
    ["21608 trial account", twilioError(400, 21608), { kind: "misconfigured", providerCode: 21608 }],
    ["20404 wrong account", twilioError(404, 20404), { kind: "misconfigured", providerCode: 20404 }],
    [
      "20429 with Retry-After",
      twilioError(429, 20429, { "retry-after": "7" }),
      { kind: "rate_limited", retryAfterSec: 7, providerCode: 20429 },
    ],
    ["429 without a body", new Response(null, { status: 429 }), { kind: "rate_limited", status: 429 }],
    ["an unknown 400", twilioError(400, 21999), { kind: "rejected", providerCode: 21999 }],
    [
      "Prism's 422 problem+json",
      json(422, {
        type: "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY",
        title: "Invalid request",
        status: 422,
      }),
      { kind: "rejected", status: 422 },
    ],
  ])("%s", async (_name, answer, expected) => {
    const f = scripted(answer);
    const out = await createTwilioSender({ ...base, fetch: f.fetch }).send(msg, { idempotencyKey: "k" });
    expect(out).toMatchObject({ ok: false, ...expected });
    expect(f.seen).toHaveLength(1);
    expect(JSON.stringify(out)).not.toContain(msg.to); // provider text never travels on
  });
});

describe("transient failures: retried twice with jittered backoff, then reported", () => {
  it.each([
    ["500", () => twilioError(500, 20500)],
    ["503 without a body", () => new Response("", { status: 503 })],
    ["a timeout", () => "timeout" as const],
    ["a network error", () => "network" as const],
  ])("%s", async (_name, answer) => {
    const f = scripted(answer());
    const delays: number[] = [];
    const out = await createTwilioSender({ ...base, fetch: f.fetch, sleep: async (ms) => void delays.push(ms) }).send(
      msg,
      { idempotencyKey: "k" },
    );
    expect(out).toMatchObject({ ok: false, kind: "transient" });
    expect(f.seen).toHaveLength(3);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(250);
    expect(delays[0]).toBeLessThan(500);
    expect(delays[1]).toBeGreaterThanOrEqual(500);
    expect(delays[1]).toBeLessThan(750);
  });

  it("a transient failure followed by success is a success", async () => {
    const f = scripted(json(503, {}), json(201, { sid: "SM2" }));
    expect(await createTwilioSender({ ...base, fetch: f.fetch }).send(msg, { idempotencyKey: "k" })).toEqual({
      ok: true,
      id: "SM2",
    });
    expect(f.seen).toHaveLength(2);
  });

  it("the per-attempt timeout aborts a hanging request", async () => {
    const f = scripted(hangs);
    const started = Date.now();
    const out = await createTwilioSender({ ...base, fetch: f.fetch, timeoutMs: 20 }).send(msg, { idempotencyKey: "k" });
    expect(out).toMatchObject({ ok: false, kind: "transient" });
    expect(f.seen).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
