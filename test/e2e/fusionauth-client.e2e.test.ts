/**
 * End to end, in plain Node: a real `wrangler dev` (fresh local D1 and Durable Object state in a temp
 * dir, fresh random secrets) driven by the UNMODIFIED @fusionauth/typescript-client through the calls
 * of FusionAuth's MFA guide. This is the compatibility promise in one file: if the official client
 * can't do it against us exactly as against FusionAuth, this test fails.
 *
 * TOTP codes come from the `otpauth` npm package, an implementation independent of ours; where
 * /usr/bin/oathtool is installed, each code is also checked against it. A code for a time step that
 * was already used is refused as a replay, so the two TOTP codes here are taken for consecutive
 * 30 s steps.
 */
import { FusionAuthClient } from "@fusionauth/typescript-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The harness (fresh wrangler dev, temp state, random secrets) is shared with `npm run bench`.
import { startWranglerDev, type WranglerDev } from "../../scripts/lib/wrangler-dev.mjs";
import { findOathtool, type Oathtool, otpauthTotp } from "../support/oath.ts";

// ---------------------------------------------------------------------------------------------
// Node APIs. The repo's tsconfig is typed for Workers and has no @types/node, so `process` is
// typed here as far as we use it.

type NodeApi = { process: { env: Record<string, string | undefined> } };

const node: NodeApi = { process: (globalThis as unknown as NodeApi).process };
/** oathtool where installed (an extra cross-check), else undefined. */
let oathtool: Oathtool | undefined;

const randomB64 = (n: number, url: boolean) => {
  const b64 = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(n))));
  return url ? b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "") : b64;
};

type Server = WranglerDev;

/** A plain HTTP call for the setup steps the FusionAuth client has no shape for. */
async function http(server: Server, method: string, path: string, body?: unknown, tenantId?: string) {
  const headers: Record<string, string> = { authorization: server.bootstrapKey };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (tenantId) headers["x-fusionauth-tenantid"] = tenantId;
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return JSON.parse(text);
}

/** TOTP code for the 30 s step containing `epochSeconds`, computed by otpauth (and compared with oathtool where installed). */
function totp(secretBase32: string, epochSeconds: number): string {
  const code = otpauthTotp(secretBase32, epochSeconds);
  if (oathtool)
    expect(
      oathtool(["--totp", "--base32", "-N", `@${epochSeconds}`, secretBase32])[0],
      "oathtool agrees with otpauth",
    ).toBe(code);
  return code;
}

/** A six-digit code that is none of the codes valid around `epochSeconds` (steps −2…+2). */
function wrongCode(secretBase32: string, epochSeconds: number): string {
  const near = new Set([-60, -30, 0, 30, 60].map((d) => totp(secretBase32, epochSeconds + d)));
  for (let n = 0; ; n++) {
    const candidate = String((Number(totp(secretBase32, epochSeconds)) + 1 + n) % 1_000_000).padStart(6, "0");
    if (!near.has(candidate)) return candidate;
  }
}

/** The rejection of a FusionAuth client promise ({statusCode, exception}). */
async function rejection(p: Promise<unknown>): Promise<{ statusCode: number; exception?: unknown }> {
  try {
    const r = (await p) as { statusCode: number };
    throw new Error(`expected the call to be rejected, it resolved with status ${r.statusCode}`);
  } catch (err) {
    if (err instanceof Error) throw err;
    return err as { statusCode: number; exception?: unknown };
  }
}

// ---------------------------------------------------------------------------------------------

describe("FusionAuth TypeScript client against wrangler dev", () => {
  let server: Server;
  let client: FusionAuthClient;
  let applicationId: string;
  let userId: string;
  let secretBase32: string;
  let methodId: string;
  let firstRecoveryCodes: string[];
  let newRecoveryCodes: string[];
  let epoch: number; // one base for both TOTP codes: steps T and T+1, taken when enrolment starts
  const email = `e2e-${crypto.randomUUID()}@example.com`;
  const password = "correct horse battery staple 9";

  beforeAll(async () => {
    oathtool = await findOathtool();
    const t0 = Date.now();
    server = await startWranglerDev({ prefix: "edge-mfa-e2e-" });
    console.log(
      `[e2e] wrangler dev answered after ${(server.startMs / 1000).toFixed(1)} s (setup incl. migrations ${((Date.now() - t0) / 1000).toFixed(1)} s) at ${server.baseUrl}`,
    );

    const tenant = (await http(server, "POST", "/api/tenant", { tenant: { name: "E2E tenant" } })).tenant;
    applicationId = (await http(server, "POST", "/api/application", { application: { name: "E2E app" } }, tenant.id))
      .application.id;
    const apiKey = (await http(server, "POST", "/api/api-key", { apiKey: { tenantId: tenant.id } })).apiKey;
    expect(apiKey.tenantId).toBe(tenant.id);
    client = new FusionAuthClient(apiKey.key, server.baseUrl);
  }, 180_000);

  afterAll(() => {
    if (server && node.process.env.E2E_SHOW_LOG) console.log(server.log());
    server?.stop();
  });

  /** Re-throws with the server log attached, so a failure shows what wrangler printed. */
  function withLog<T>(fn: () => Promise<T>): () => Promise<T> {
    return async () => {
      try {
        return await fn();
      } catch (err) {
        const tail = server?.log().split("\n").slice(-40).join("\n");
        if (err instanceof Error) err.message += `\n--- wrangler dev (last lines) ---\n${tail}`;
        else
          throw Object.assign(
            new Error(`rejected: ${JSON.stringify(err)}\n--- wrangler dev (last lines) ---\n${tail}`),
            { cause: err },
          );
        throw err;
      }
    };
  }

  it(
    "createUser with a password",
    withLog(async () => {
      const res = await client.createUser(null as unknown as string, { user: { email, password } });
      expect(res.statusCode).toBe(200);
      expect(res.response.user?.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.response.user?.email).toBe(email);
      expect(res.response.user).not.toHaveProperty("password");
      userId = res.response.user!.id!;
      // Logins below name the application: registered, they answer 200 (unregistered: FusionAuth's 202).
      expect((await client.register(userId, { registration: { applicationId } })).statusCode).toBe(200);
    }),
  );

  it(
    "generateTwoFactorSecret, then enableTwoFactor returns 10 recovery codes",
    withLog(async () => {
      const secret = await client.generateTwoFactorSecret();
      expect(secret.statusCode).toBe(200);
      expect(secret.response.secret).toBeTruthy();
      expect(secret.response.secretBase32Encoded).toMatch(/^[A-Z2-7]+=*$/);
      secretBase32 = secret.response.secretBase32Encoded!;
      epoch = Math.floor(Date.now() / 1000);
      const request = { method: "authenticator", secret: secret.response.secret, secretBase32Encoded: secretBase32 };

      // A wrong code is FusionAuth's 421 with an empty body: rejected, no exception object.
      const bad = await rejection(client.enableTwoFactor(userId, { ...request, code: wrongCode(secretBase32, epoch) }));
      expect(bad.statusCode).toBe(421);
      expect(bad.exception).toBeUndefined();

      const res = await client.enableTwoFactor(userId, { ...request, code: totp(secretBase32, epoch) });
      expect(res.statusCode).toBe(200);
      firstRecoveryCodes = res.response.recoveryCodes!;
      expect(firstRecoveryCodes).toHaveLength(10);
      expect(new Set(firstRecoveryCodes).size).toBe(10);
    }),
  );

  it(
    "retrieveUser shows one authenticator method and no secret",
    withLog(async () => {
      const res = await client.retrieveUser(userId);
      expect(res.statusCode).toBe(200);
      const methods = res.response.user?.twoFactor?.methods ?? [];
      expect(methods).toHaveLength(1);
      expect(methods[0]!.method).toBe("authenticator");
      expect(methods[0]!.id).toBeTruthy();
      expect(methods[0]).not.toHaveProperty("secret");
      const body = JSON.stringify(res.response);
      expect(body).not.toContain(secretBase32);
      for (const code of firstRecoveryCodes) expect(body).not.toContain(code);
      methodId = methods[0]!.id!;
    }),
  );

  it(
    "login answers 242 with a twoFactorId; twoFactorLogin with the next TOTP code answers 200 with a token",
    withLog(async () => {
      const login = await client.login({ loginId: email, password, applicationId });
      expect(login.statusCode).toBe(242);
      const twoFactorId = login.response.twoFactorId!;
      expect(twoFactorId).toBeTruthy();
      expect(login.response.token).toBeUndefined();
      expect(login.response.methods?.map((m) => m.method)).toEqual(["authenticator"]);
      expect(JSON.stringify(login.response)).not.toContain(secretBase32);

      // Wrong code: 421, and the twoFactorId stays usable.
      const bad = await rejection(client.twoFactorLogin({ twoFactorId, code: wrongCode(secretBase32, epoch + 30) }));
      expect(bad.statusCode).toBe(421);
      expect(bad.exception).toBeUndefined();

      // The code for step T was used by enableTwoFactor; T+1 is inside the ±1 step window.
      const res = await client.twoFactorLogin({ twoFactorId, code: totp(secretBase32, epoch + 30), applicationId });
      expect(res.statusCode).toBe(200);
      expect(res.response.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(res.response.user?.id).toBe(userId);
    }),
  );

  it(
    "twoFactorLogin with an unknown twoFactorId is 404",
    withLog(async () => {
      const res = await rejection(client.twoFactorLogin({ twoFactorId: randomB64(32, true), code: "123456" }));
      expect(res.statusCode).toBe(404);
      expect(res.exception).toBeUndefined();
    }),
  );

  it(
    "startTwoFactorLogin (step-up) echoes state through twoFactorLogin",
    withLog(async () => {
      const start = await client.startTwoFactorLogin({ userId, state: { action: "transfer_funds" } });
      expect(start.statusCode).toBe(200);
      expect(start.response.code).toBeTruthy();
      expect(start.response.twoFactorId).toBeTruthy();

      const res = await client.twoFactorLogin({ twoFactorId: start.response.twoFactorId!, code: start.response.code! });
      expect(res.statusCode).toBe(200);
      expect(res.response.state).toEqual({ action: "transfer_funds" });
    }),
  );

  it(
    "generateTwoFactorRecoveryCodes replaces the codes with 10 new ones",
    withLog(async () => {
      const res = await client.generateTwoFactorRecoveryCodes(userId);
      expect(res.statusCode).toBe(200);
      newRecoveryCodes = res.response.recoveryCodes!;
      expect(newRecoveryCodes).toHaveLength(10);
      expect(new Set(newRecoveryCodes).size).toBe(10);
      expect(newRecoveryCodes.filter((c) => firstRecoveryCodes.includes(c))).toEqual([]);
    }),
  );

  it(
    "disableTwoFactor with an old recovery code is 421; with a new one 200 and no methods remain",
    withLog(async () => {
      const stale = await rejection(client.disableTwoFactor(userId, methodId, firstRecoveryCodes[0]!));
      expect(stale.statusCode).toBe(421);

      const res = await client.disableTwoFactor(userId, methodId, newRecoveryCodes[0]!);
      expect(res.statusCode).toBe(200);
      expect(res.response).toBeUndefined(); // empty body, no JSON content type

      const user = await client.retrieveUser(userId);
      expect(user.response.user?.twoFactor?.methods ?? []).toEqual([]);

      // Without MFA, login completes directly.
      const login = await client.login({ loginId: email, password, applicationId });
      expect(login.statusCode).toBe(200);
      expect(login.response.token).toBeTruthy();
    }),
  );

  it(
    "email codes: sendTwoFactorCodeForEnableDisable, enableTwoFactor(email), then login with sendTwoFactorCodeForLoginUsingMethod",
    withLog(async () => {
      // ENVIRONMENT=test: codes go to the dev outbox, read here as the user would read their mail.
      const outboxCode = async (to: string) => {
        const r = await fetch(`${server.baseUrl}/dev/outbox?to=${encodeURIComponent(to)}`);
        const body = (await r.json()) as { messages: Array<{ body: string }> };
        // The newest message with a code: security notices (method added…) arrive from alarms in between.
        const withCode = body.messages.find((m) => /\b\d{6}\b/.test(m.body))!;
        return /\b(\d{6})\b/.exec(withCode.body)![1]!;
      };
      const tenantId = (await client.retrieveUser(userId)).response.user!.tenantId!;
      const patch = await client.patchTenant(tenantId, {
        tenant: { multiFactorConfiguration: { email: { enabled: true } } },
      } as Parameters<FusionAuthClient["patchTenant"]>[1]);
      expect(patch.statusCode).toBe(200);

      const sent = await client.sendTwoFactorCodeForEnableDisable({ userId, method: "email", email });
      expect(sent.statusCode).toBe(200);
      expect(sent.response).toBeUndefined(); // empty body, no JSON content type
      const enabled = await client.enableTwoFactor(userId, { method: "email", email, code: await outboxCode(email) });
      expect(enabled.statusCode).toBe(200);
      expect(enabled.response.recoveryCodes).toHaveLength(10);

      const login = await client.login({ loginId: email, password, applicationId });
      expect(login.statusCode).toBe(242);
      const method = login.response.methods!.find((m) => m.method === "email")!;
      expect(method.email).toBe(email);
      const send = await client.sendTwoFactorCodeForLoginUsingMethod(login.response.twoFactorId!, {
        methodId: method.id!,
      });
      expect(send.statusCode).toBe(200);
      const res = await client.twoFactorLogin({
        twoFactorId: login.response.twoFactorId!,
        code: await outboxCode(email),
        applicationId,
      });
      expect(res.statusCode).toBe(200);
      expect(res.response.token).toBeTruthy();
    }),
  );

  it(
    "createWebhook (the client's own call); real alarms deliver signed events to a local listener and retry after a listener failure",
    withLog(async () => {
      // A listener that answers 500 to the first delivery of each event id, then 200.
      const http = (await import(/* @vite-ignore */ `node:${"http"}`)) as unknown as {
        createServer(h: (req: any, res: any) => void): {
          listen(port: number, host: string, cb: () => void): void;
          address(): { port: number };
          close(): void;
        };
      };
      const got: Array<{ headers: Record<string, string>; body: string }> = [];
      const seen = new Set<string>();
      const listener = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c: unknown) => (body += String(c)));
        req.on("end", () => {
          got.push({ headers: req.headers as Record<string, string>, body });
          const id = String(req.headers["x-edgemfa-event-id"]);
          res.statusCode = seen.has(id) ? 200 : 500;
          seen.add(id);
          res.end();
        });
      });
      await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
      try {
        const url = `http://127.0.0.1:${listener.address().port}/hook`;
        const created = await client.createWebhook(
          null as unknown as string,
          {
            webhook: { url, eventsEnabled: { "user.login.failed": true, "user.two-factor.failed-attempt": true } },
          } as Parameters<FusionAuthClient["createWebhook"]>[1],
        );
        expect(created.statusCode).toBe(200);
        const secret = (created.response.webhook as { signatureConfiguration: { secret: string } })
          .signatureConfiguration.secret;
        expect((await client.retrieveWebhook(created.response.webhook!.id!)).response.webhook).not.toHaveProperty(
          "signatureConfiguration.secret",
        );

        expect(
          (await rejection(client.login({ loginId: email, password: "not the password", applicationId }))).statusCode,
        ).toBe(404);
        const started = Date.now();
        // Earlier steps' failed attempts may arrive too; follow the login.failed event: attempt 1 refused (500), attempt 2 about 10 s later accepted.
        const mine = () => got.filter((r) => JSON.parse(r.body).event.type === "user.login.failed");
        while (mine().length < 2 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 250));
        console.log(
          `[e2e] webhook: user.login.failed delivered, refused and retried within ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        const deliveries = mine();
        expect(deliveries.map((r) => r.headers["x-edgemfa-delivery-attempt"])).toEqual(["1", "2"]);
        expect(deliveries[0]!.headers["x-edgemfa-event-id"]).toBe(deliveries[1]!.headers["x-edgemfa-event-id"]);
        const { event } = JSON.parse(deliveries[1]!.body);
        expect(event).toMatchObject({
          type: "user.login.failed",
          user: { id: userId },
          reason: { code: "credentials" },
        });
        // The receiver's check, as docs/webhooks.md shows it: HMAC-SHA-256 over "<t>.<body>".
        const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(deliveries[1]!.headers["x-edgemfa-signature"]!)!;
        const k = await crypto.subtle.importKey(
          "raw",
          new TextEncoder().encode(secret),
          { name: "HMAC", hash: "SHA-256" },
          false,
          ["sign"],
        );
        const mac = new Uint8Array(
          await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(`${t}.${deliveries[1]!.body}`)),
        );
        expect([...mac].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(v1);
        expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(300);
      } finally {
        listener.close();
      }
    }),
  );
});
