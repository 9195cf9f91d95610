/**
 * Provider faults end to end (README "Email and SMS"): the real Twilio and Resend
 * adapters talk to a scripted fetch. Every provider answer becomes a clear API error (400 field
 * error where the destination is at fault, 502 with an operator log line for credentials and
 * configuration, 503 with Retry-After where waiting helps); afterwards the challenge still works;
 * and no code, provider text or credential appears in any response or log line.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { call, clock, createUser, type Call } from "../support/mfa.ts";
import {
  enableOob,
  FakeProvider,
  oobTenant,
  PROVIDER_SECRETS,
  providerApp,
  uniqueEmail,
  uniquePhone,
} from "../support/oob.ts";
import { seedTenant } from "../support/mfa.ts";

const PROVIDER_TEXT = "Provider says: The 'To' number +15550000000 is not a valid phone number.";
const twilio = (status: number, code?: number, headers: Record<string, string> = {}) =>
  Response.json(
    code === undefined
      ? {}
      : { code, message: PROVIDER_TEXT, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    { status, headers },
  );
const resend = (status: number, name: string, headers: Record<string, string> = {}, message = PROVIDER_TEXT) =>
  Response.json({ statusCode: status, name, message }, { status, headers });
const INVALID_TO =
  "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";

let fake: FakeProvider;
let target: ReturnType<typeof providerApp>;
let spies: MockInstance[] = [];
const responses: Call[] = [];

function logged(): string {
  return spies.flatMap((s) => s.mock.calls.map((args) => args.map(String).join(" "))).join("\n");
}

beforeEach(() => {
  fake = new FakeProvider();
  target = providerApp(fake);
  responses.length = 0;
  spies = (["log", "info", "warn", "error", "debug"] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation(() => {}),
  );
});

afterEach(() => {
  // Class 11: nothing secret anywhere — no code that was sent, no provider text, no credential.
  const codes = fake.requests.map((r) => /\b(\d{6})\b/.exec(FakeProvider.text(r))?.[1]).filter((c): c is string => !!c);
  const everything = responses.map((r) => `${r.text} ${JSON.stringify([...r.headers])}`).join("\n") + logged();
  for (const secret of [...codes, PROVIDER_TEXT, PROVIDER_SECRETS.twilioToken, PROVIDER_SECRETS.resendKey])
    expect(everything).not.toContain(secret);
  for (const s of spies) s.mockRestore();
});

async function api(method: string, path: string, opts: { key?: string; body?: unknown } = {}): Promise<Call> {
  const r = await call(method, path, { ...opts, via: target });
  responses.push(r);
  return r;
}

/** A user with one method of `channel` (enabled through the fake provider) and a fresh login challenge. */
async function challenged(channel: "email" | "sms") {
  const { key } = await seedTenant(oobTenant());
  const u = await createUser(key);
  const destination = channel === "email" ? uniqueEmail() : uniquePhone();
  const { methodId } = await enableOob(key, u.id, channel, destination, target);
  const login = await api("POST", "/api/login", {
    key,
    body: { loginId: u.email, password: "correct horse battery staple" },
  });
  expect(login.status).toBe(242);
  return { key, destination, methodId, twoFactorId: login.body.twoFactorId as string };
}

/** After a fault: the provider recovers, the cooldown passes, a resend goes out and its code completes the login. */
async function stillUsable(c: { destination: string; methodId: string; twoFactorId: string }) {
  fake.respond = (req) =>
    req.url.includes("/Messages.json")
      ? Response.json({ sid: "SM1" }, { status: 201 })
      : Response.json({ id: "re-ok" });
  clock.now += 30;
  expect((await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } })).status).toBe(
    200,
  );
  const done = await api("POST", "/api/two-factor/login", {
    body: { twoFactorId: c.twoFactorId, code: fake.lastCode(c.destination) },
  });
  expect(done.status).toBe(200);
}

function calls(to: string): number {
  return fake.sentTo(to).length;
}

describe("Twilio faults during a login send", () => {
  const fieldCases: Array<[string, Response, string]> = [
    ["21211 invalid number → 400 [invalid]mobilePhone", twilio(400, 21211), "[invalid]mobilePhone"],
    ["21610 recipient opted out (STOP) → 400 [suppressed]mobilePhone", twilio(400, 21610), "[suppressed]mobilePhone"],
    ["21408 region not enabled → 400 [notAllowed]mobilePhone", twilio(400, 21408), "[notAllowed]mobilePhone"],
  ];
  it.each(fieldCases)("%s", async (_name, answer, code) => {
    const c = await challenged("sms");
    fake.respond = () => answer.clone();
    const before = calls(c.destination);
    const r = await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ fieldErrors: { mobilePhone: [{ code, message: expect.any(String) }] } });
    expect(calls(c.destination) - before).toBe(1); // a rejection is not retried
    await stillUsable(c);
  });

  it("20003 / 401 credentials refused → 502 and one operator log line naming the provider code, without secrets", async () => {
    const c = await challenged("sms");
    fake.respond = () => twilio(401, 20003);
    const r = await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } });
    expect(r.status).toBe(502);
    expect(r.body.generalErrors[0].code).toBe("[ProviderMisconfigured]");
    const errors = spies[3]!.mock.calls.map((a) => JSON.parse(String(a[0])));
    expect(errors).toEqual([
      expect.objectContaining({
        level: "error",
        provider: "twilio",
        outcome: "auth",
        status: 401,
        providerCode: 20003,
        to: expect.stringMatching(/^\+1555\*+\d\d$/),
      }),
    ]);
    await stillUsable(c);
  });

  it.each([
    [
      "429 / 20429 with Retry-After 5 → 503, Retry-After raised to the 30 s cooldown",
      twilio(429, 20429, { "retry-after": "5" }),
      "30",
    ],
    ["429 with Retry-After 120 → 503, Retry-After 120", twilio(429, 20429, { "retry-after": "120" }), "120"],
  ])("%s", async (_name, answer, retryAfter) => {
    const c = await challenged("sms");
    fake.respond = () => answer.clone();
    const r = await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } });
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe(retryAfter);
    expect(r.body.generalErrors[0].code).toBe("[ProviderUnavailable]");
    if (retryAfter === "120") clock.now += 90;
    await stillUsable(c);
  });

  it.each([
    ["a 500", () => twilio(500, 20500)],
    ["a 503 without a body", () => new Response(null, { status: 503 })],
    ["timeouts", () => Promise.reject(new DOMException("The operation timed out.", "TimeoutError"))],
  ])("%s: three attempts (two retries), then 503 with Retry-After", async (_name, answer) => {
    const c = await challenged("sms");
    fake.respond = answer as () => Response;
    const before = calls(c.destination);
    const r = await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } });
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("30");
    expect(calls(c.destination) - before).toBe(3);
    await stillUsable(c);
  });

  it("a failed send still used its budget (the provider may have sent): the next send waits for the cooldown", async () => {
    const c = await challenged("sms");
    fake.respond = () => twilio(500);
    expect(
      (await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } })).status,
    ).toBe(503);
    fake.respond = () => Response.json({ sid: "SM2" }, { status: 201 });
    const again = await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } });
    expect(again.status).toBe(429);
    expect(again.body.generalErrors[0].data.scope).toBe("cooldown");
  });

  it("a send for enabling that the provider rejects answers the same field error", async () => {
    const { key } = await seedTenant(oobTenant());
    const u = await createUser(key);
    fake.respond = () => twilio(400, 21211);
    const r = await api("POST", "/api/two-factor/send", {
      key,
      body: { userId: u.id, method: "sms", mobilePhone: uniquePhone() },
    });
    expect(r.status).toBe(400);
    expect(r.body.fieldErrors.mobilePhone[0].code).toBe("[invalid]mobilePhone");
  });
});

describe("Resend faults during a login send", () => {
  it("invalid `to` → 400 [invalid]email", async () => {
    const c = await challenged("email");
    fake.respond = () => resend(422, "validation_error", {}, INVALID_TO);
    const r = await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } });
    expect(r.body.fieldErrors.email[0].code).toBe("[invalid]email");
    expect(r.text).not.toContain("Invalid `to` field");
    await stillUsable(c);
  });

  it.each([
    ["missing key → 502", () => resend(401, "missing_api_key"), 502],
    ["unverified sender domain → 502", () => resend(403, "validation_error"), 502],
    ["rate limited → 503", () => resend(429, "rate_limit_exceeded", { "retry-after": "1" }), 503],
  ])("%s", async (_name, answer, status) => {
    const c = await challenged("email");
    fake.respond = answer;
    expect(
      (await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } })).status,
    ).toBe(status);
    await stillUsable(c);
  });

  it("5xx: retried with one Idempotency-Key, so Resend sends the message at most once", async () => {
    const c = await challenged("email");
    fake.respond = () => resend(500, "internal_server_error");
    const before = fake.requests.length;
    expect(
      (await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } })).status,
    ).toBe(503);
    const keys = fake.requests.slice(before).map((r) => r.headers.get("idempotency-key"));
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^edge-mfa-[0-9a-f-]{36}$/);
    await stillUsable(c);
  });
});

describe("successful provider sends", () => {
  it("log one line per send with the masked destination and never the code", async () => {
    const c = await challenged("email");
    clock.now += 30;
    expect(
      (await api("POST", `/api/two-factor/send/${c.twoFactorId}`, { body: { methodId: c.methodId } })).status,
    ).toBe(200);
    const infos = spies[1]!.mock.calls.map((a) => JSON.parse(String(a[0])));
    expect(infos.at(-1)).toEqual({
      level: "info",
      msg: "code send",
      provider: "resend",
      channel: "email",
      purpose: "challenge",
      tenantId: expect.any(String),
      userId: expect.any(String),
      to: expect.stringMatching(/^o\*\*\*@example\.com$/),
      outcome: "sent",
    });
  });
});
