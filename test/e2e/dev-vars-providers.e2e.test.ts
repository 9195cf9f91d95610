/**
 * Provider settings in the env file (.dev.vars under `npm run dev`, --env-file here) reach the worker
 * under `wrangler dev`, although wrangler.toml's `[secrets] required` makes wrangler load only the
 * declared names: SMS_PROVIDER=twilio with TWILIO_API_BASE_URL pointing at a local Twilio mock (a tiny
 * Node HTTP server on 127.0.0.1) must make a code send arrive at the mock as a Twilio Messages request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, type WranglerDev } from "../../scripts/lib/wrangler-dev.mjs";

type Req = { method: string; url: string; authorization: string; body: string };
type HttpServer = {
  listen(port: number, host: string, cb: () => void): void;
  address(): { port: number };
  close(): void;
};
type NodeHttp = {
  createServer(
    handler: (
      req: AsyncIterable<Uint8Array> & { method: string; url: string; headers: Record<string, string> },
      res: { writeHead(s: number, h: Record<string, string>): void; end(b: string): void },
    ) => void,
  ): HttpServer;
};

const ACCOUNT_SID = `AC${"0123456789abcdef".repeat(2)}`;
const received: Req[] = [];
let mock: HttpServer;
let server: WranglerDev;

async function http(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: { authorization: server.bootstrapKey, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
}

beforeAll(async () => {
  const { createServer } = (await import(/* @vite-ignore */ `node:${"http"}`)) as unknown as NodeHttp;
  // A Twilio stand-in: records each request and answers like Messages.json (201 with a message sid).
  mock = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += new TextDecoder().decode(chunk);
    received.push({ method: req.method, url: req.url, authorization: req.headers.authorization ?? "", body });
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ sid: `SM${"0".repeat(32)}`, status: "queued" }));
  });
  await new Promise<void>((ok) => mock.listen(0, "127.0.0.1", ok));
  const settings = {
    SMS_PROVIDER: "twilio",
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: "test-only-twilio-token",
    TWILIO_FROM: "+15005550006",
    TWILIO_API_BASE_URL: `http://127.0.0.1:${mock.address().port}`,
  };
  server = await startWranglerDev({ prefix: "edge-mfa-devvars-", environment: "development", settings });
}, 180_000);

afterAll(() => {
  server?.stop();
  mock?.close();
});

describe("provider settings from the env file under wrangler dev", () => {
  it("SMS_PROVIDER=twilio sends the code to the (mock) Twilio API, not to the dev outbox", async () => {
    const tenant = (
      await http("POST", "/api/tenant", {
        tenant: { name: "Twilio tenant", multiFactorConfiguration: { sms: { enabled: true } } },
      })
    ).json.tenant;
    const user = await fetch(`${server.baseUrl}/api/user`, {
      method: "POST",
      headers: {
        authorization: server.bootstrapKey,
        "content-type": "application/json",
        "x-fusionauth-tenantid": tenant.id,
      },
      body: JSON.stringify({
        user: { email: `sms-${crypto.randomUUID()}@example.com`, password: "correct horse battery staple" },
      }),
    }).then((r) => r.json() as Promise<{ user: { id: string } }>);
    const sent = await fetch(`${server.baseUrl}/api/two-factor/send`, {
      method: "POST",
      headers: {
        authorization: server.bootstrapKey,
        "content-type": "application/json",
        "x-fusionauth-tenantid": tenant.id,
      },
      body: JSON.stringify({ userId: user.user.id, method: "sms", mobilePhone: "+14155550123" }),
    });
    expect(sent.status, server.log().split("\n").slice(-20).join("\n")).toBe(200);

    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req!.method).toBe("POST");
    expect(req!.url).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(req!.authorization).toBe(`Basic ${btoa(`${ACCOUNT_SID}:test-only-twilio-token`)}`);
    const form = new URLSearchParams(req!.body);
    expect(form.get("To")).toBe("+14155550123");
    expect(form.get("From")).toBe("+15005550006");
    expect(form.get("Body")).toMatch(/\d{6}/);
  });
});
