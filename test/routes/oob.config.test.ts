/**
 * Delivery configuration and the dev outbox. A selected provider without its credentials, or the
 * dev outbox in production, must refuse to serve (fail closed, the problem named only in the log and
 * never with a secret value); the /dev routes must not exist outside development and tests.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.ts";
import { effectiveMailProvider, effectiveSmsProvider, parseConfig } from "../../src/env.ts";
import { call, clock, createUser, seedTenant } from "../support/mfa.ts";
import { oobTenant, outbox, TWILIO_SID, uniqueEmail, uniquePhone } from "../support/oob.ts";

const base = env as unknown as Record<string, unknown>;
const with_ = (extra: Record<string, unknown>) => ({ ...base, ...extra });
const SECRET = "re_this-value-must-never-be-logged-0123456789";

afterEach(() => vi.restoreAllMocks());

describe("provider configuration", () => {
  it.each([
    ["outbox in production", { ENVIRONMENT: "production", MAIL_PROVIDER: "outbox" }, ["MAIL_PROVIDER"]],
    ["SMS outbox in production", { ENVIRONMENT: "production", SMS_PROVIDER: "outbox" }, ["SMS_PROVIDER"]],
    ["resend without key and sender", { MAIL_PROVIDER: "resend" }, ["MAIL_API_KEY", "MAIL_FROM"]],
    [
      "postmark with an empty key",
      { MAIL_PROVIDER: "postmark", MAIL_API_KEY: "", MAIL_FROM: "a@example.com" },
      ["MAIL_API_KEY"],
    ],
    [
      "cloudflare without account",
      { MAIL_PROVIDER: "cloudflare", MAIL_API_KEY: SECRET, MAIL_FROM: "a@example.com" },
      ["MAIL_ACCOUNT_ID"],
    ],
    ["an unknown provider", { MAIL_PROVIDER: "mailchimp" }, ["MAIL_PROVIDER"]],
    [
      "twilio without credentials or sender",
      { SMS_PROVIDER: "twilio", TWILIO_ACCOUNT_SID: TWILIO_SID },
      ["TWILIO_AUTH_TOKEN", "TWILIO_FROM"],
    ],
    [
      "twilio with a half API key pair",
      {
        SMS_PROVIDER: "twilio",
        TWILIO_ACCOUNT_SID: TWILIO_SID,
        TWILIO_API_KEY_SID: `SK${"1".repeat(32)}`,
        TWILIO_FROM: "+15005550006",
      },
      ["TWILIO_AUTH_TOKEN"],
    ],
    [
      "a malformed account sid",
      { SMS_PROVIDER: "twilio", TWILIO_ACCOUNT_SID: "AC123", TWILIO_AUTH_TOKEN: SECRET, TWILIO_FROM: "+15005550006" },
      ["TWILIO_ACCOUNT_SID"],
    ],
    [
      "a base URL that is not http(s)",
      {
        MAIL_PROVIDER: "resend",
        MAIL_API_KEY: SECRET,
        MAIL_FROM: "a@example.com",
        MAIL_API_BASE_URL: "file:///etc/passwd",
      },
      ["MAIL_API_BASE_URL"],
    ],
  ])("%s is refused", (_name, extra, names) => {
    const r = parseConfig(with_(extra));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    for (const n of names)
      expect(
        r.problems.some((p) => p.startsWith(`${n}:`)),
        `${n} in ${r.problems.join("; ")}`,
      ).toBe(true);
    expect(r.problems.join(" ")).not.toContain(SECRET);
  });

  it.each([
    ["nothing set in production: no delivery", { ENVIRONMENT: "production" }, "none", "none"],
    ["nothing set in development: the outbox", { ENVIRONMENT: "development" }, "outbox", "outbox"],
    [
      "resend + twilio (auth token)",
      {
        MAIL_PROVIDER: "resend",
        MAIL_API_KEY: SECRET,
        MAIL_FROM: "MFA <mfa@example.com>",
        SMS_PROVIDER: "twilio",
        TWILIO_ACCOUNT_SID: TWILIO_SID,
        TWILIO_AUTH_TOKEN: SECRET,
        TWILIO_FROM: "+15005550006",
      },
      "resend",
      "twilio",
    ],
    [
      "sendgrid + twilio (API key, messaging service)",
      {
        ENVIRONMENT: "production",
        MAIL_PROVIDER: "sendgrid",
        MAIL_API_KEY: SECRET,
        MAIL_FROM: "mfa@example.com",
        SMS_PROVIDER: "twilio",
        TWILIO_ACCOUNT_SID: TWILIO_SID,
        TWILIO_API_KEY_SID: `SK${"1".repeat(32)}`,
        TWILIO_API_KEY_SECRET: SECRET,
        TWILIO_MESSAGING_SERVICE_SID: `MG${"2".repeat(32)}`,
      },
      "sendgrid",
      "twilio",
    ],
    [
      "cloudflare",
      {
        MAIL_PROVIDER: "cloudflare",
        MAIL_API_KEY: SECRET,
        MAIL_FROM: "mfa@example.com",
        MAIL_ACCOUNT_ID: "0123456789abcdef0123456789abcdef",
      },
      "cloudflare",
      "outbox",
    ],
  ])("%s is accepted", (_name, extra, mail, sms) => {
    const r = parseConfig(with_(extra));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect([effectiveMailProvider(r.config), effectiveSmsProvider(r.config)]).toEqual([mail, sms]);
  });

  it("a worker configured with the outbox in production answers 500 [ServiceMisconfigured] and logs only the names", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const r = await call("GET", "/", {
      via: {
        app: createApp(),
        env: with_({ ENVIRONMENT: "production", MAIL_PROVIDER: "outbox", MAIL_API_KEY: SECRET }) as unknown as Env,
      },
    });
    expect(r.status).toBe(500);
    expect(r.body.generalErrors[0].code).toBe("[ServiceMisconfigured]");
    const logged = spy.mock.calls.map((a) => String(a[0])).join("\n");
    expect(logged).toContain("MAIL_PROVIDER");
    expect(logged).not.toContain(SECRET);
  });

  it("with no provider (production default) a send answers 502 before any counter moves", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { key } = await seedTenant(oobTenant());
    const u = await createUser(key);
    const via = {
      app: createApp({ overrides: { now: () => clock.now } }),
      env: with_({ ENVIRONMENT: "production" }) as unknown as Env,
    };
    const r = await call("POST", "/api/two-factor/send", {
      key,
      body: { userId: u.id, method: "sms", mobilePhone: uniquePhone() },
      via,
    });
    expect(r.status).toBe(502);
    expect(r.body.generalErrors[0].code).toBe("[ProviderMisconfigured]");
  });
});

describe("message templates per tenant", () => {
  it("a custom template is used, with the code, its lifetime in minutes and the tenant's name", async () => {
    const { key, tenantId } = await seedTenant(
      oobTenant({}, { externalIdentifierConfiguration: { twoFactorOneTimeCodeIdTimeToLiveInSeconds: 300 } }),
    );
    const sms = { text: "{{tenantName}}: {{ code }} ({{minutes}} min)" };
    const email = {
      subject: "Sign-in code for {{tenantName}}",
      text: "Code {{code}}",
      html: "<p>{{code}} &middot; {{tenantName}}</p>",
    };
    const put = await call("PATCH", `/api/tenant/${tenantId}`, {
      key,
      body: {
        tenant: { name: "Acme & Co", multiFactorConfiguration: { email: { template: email }, sms: { template: sms } } },
      },
    });
    expect(put.status).toBe(200);
    expect(put.body.tenant.multiFactorConfiguration.sms.template).toEqual(sms);
    const u = await createUser(key);
    const phone = uniquePhone();
    const address = uniqueEmail();
    await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, method: "sms", mobilePhone: phone } });
    await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, method: "email", email: address } });
    expect((await outbox(phone))[0]!.body).toMatch(/^Acme & Co: \d{6} \(5 min\)$/);
    const [m] = await outbox(address);
    expect(m).toMatchObject({
      subject: "Sign-in code for Acme & Co",
      body: expect.stringMatching(/^Code \d{6}$/),
      html: expect.stringMatching(/^<p>\d{6} &middot; Acme &#38; Co<\/p>$/),
    });
  });

  it("a template without {{code}} is refused with a field error; the defaults stay in force", async () => {
    const { key, tenantId } = await seedTenant(oobTenant());
    const r = await call("PATCH", `/api/tenant/${tenantId}`, {
      key,
      body: { tenant: { multiFactorConfiguration: { sms: { template: { text: "Your code is coming" } } } } },
    });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.fieldErrors)).toEqual(["tenant.multiFactorConfiguration.sms.template.text"]);
    const t = await call("GET", `/api/tenant/${tenantId}`, { key });
    expect(t.body.tenant.multiFactorConfiguration.sms.template.text).toContain("{{code}}");
  });
});

describe("dev outbox", () => {
  it("lists what was sent, newest first, filtered by recipient: channel, to, subject, body, time", async () => {
    const { key } = await seedTenant(oobTenant());
    const u = await createUser(key);
    const address = uniqueEmail();
    await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, method: "email", email: address } });
    clock.now += 30;
    await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, method: "email", email: address } });
    const r = await call("GET", `/dev/outbox?to=${encodeURIComponent(address.toUpperCase())}`);
    expect(r.status).toBe(200);
    expect(r.body.messages).toHaveLength(2);
    const [newest, older] = r.body.messages;
    expect(newest).toEqual({
      id: expect.any(String),
      channel: "email",
      to: address,
      from: expect.any(String),
      subject: expect.any(String),
      body: expect.stringMatching(/\d{6}/),
      html: expect.any(String),
      time: new Date(clock.now * 1000).toISOString(),
    });
    expect(newest.id > older.id).toBe(true);
    expect((await call("GET", "/dev/outbox?limit=1")).body.messages).toHaveLength(1);
    expect((await call("GET", "/dev/outbox?limit=0")).status).toBe(400);
  });

  it("shows them on an HTML page with escaped content and a locked-down CSP", async () => {
    const { key, tenantId } = await seedTenant(oobTenant());
    await call("PUT", `/api/tenant/${tenantId}`, {
      key,
      body: { tenant: { name: "<script>alert(1)</script>", ...oobTenant() } },
    });
    const u = await createUser(key);
    const address = uniqueEmail();
    await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, method: "email", email: address } });
    const r = await call("GET", `/dev/outbox.html?to=${encodeURIComponent(address)}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    expect(r.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(r.text).toContain(address);
    expect(r.text).toContain("&#60;script&#62;");
    expect(r.text).not.toContain("<script>");
  });

  it("does not exist in production: every /dev path is a plain 404, and nothing is stored", async () => {
    const via = { app: createApp(), env: with_({ ENVIRONMENT: "production" }) as unknown as Env };
    for (const path of ["/dev/outbox", "/dev/outbox.html", "/dev/outbox?to=x", "/dev/nothing"]) {
      const r = await call("GET", path, { via, key: env.BOOTSTRAP_API_KEY });
      expect({ path, status: r.status, text: r.text, type: r.headers.get("content-type") }).toEqual({
        path,
        status: 404,
        text: "",
        type: null,
      });
    }
    expect(await outbox(uniqueEmail())).toEqual([]);
  });
});
