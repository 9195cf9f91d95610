/**
 * Issue 10 item 15: a Durable Object outage fails closed and says so (OWASP ASVS 5.0 16.5.2/16.5.3).
 *
 * Every decision that must be atomic (lock, challenge, single use, ceremonies, throttles) lives in a
 * Durable Object. When a call to one fails (object reset, overloaded, network), the answer is 503
 * with Retry-After and a generic body, never a 500 with details, and nothing is granted: no token,
 * no twoFactorId, no code, no trust. Afterwards nothing was lost either: the same code still works.
 * Faults are injected with the `stubs` service override, which wraps every Durable Object stub the
 * worker uses; the wrapper here rejects each RPC call as workerd does on an outage.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { createApp } from "../../src/app.ts";
import {
  call,
  clock,
  createUser,
  enrolledUser,
  loginFor242,
  nextStep,
  PASSWORD,
  seedTenant,
  totp,
  type Call,
  type Target,
} from "../support/mfa.ts";
import { passkeyTenant, registerPasskey, signFor, startOptions } from "../support/passkeys.ts";

const OUTAGE = "Network connection lost. (secret-sounding internal detail)";
let failing = false;
const failed: string[] = [];

/** A stub whose every RPC method rejects, like a Durable Object that is unreachable. */
function unreachable<T extends object>(binding: string, stub: T): T {
  return new Proxy(stub, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== "function") return v;
      return () => {
        failed.push(`${binding}.${String(prop)}`);
        return Promise.reject(Object.assign(new Error(OUTAGE), { retryable: true }));
      };
    },
  });
}

const faulty: Target = {
  app: createApp({
    overrides: { now: () => clock.now, stubs: (binding, stub) => (failing ? unreachable(binding, stub) : stub) },
  }),
  env,
};
const api = (method: string, path: string, opts: { key?: string; body?: unknown } = {}) =>
  call(method, path, { ...opts, via: faulty });

let errors: MockInstance;
beforeEach(() => {
  nextStep();
  failing = false;
  failed.length = 0;
  errors = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => errors.mockRestore());

/** 503, Retry-After, the generic body; nothing granted; no detail on the wire or in the log. */
function expectUnavailable(r: Call) {
  expect({ status: r.status, retryAfter: Number(r.headers.get("retry-after")) > 0 }).toEqual({
    status: 503,
    retryAfter: true,
  });
  // Exactly the generic envelope: no token, twoFactorId, code, options or trust beside it.
  expect(r.body).toEqual({ generalErrors: [{ code: "[ServiceUnavailable]", message: expect.any(String) }] });
  expect(r.headers.get("set-cookie") ?? "").not.toMatch(/fusionauth\.trust/);
  expect(r.text + errors.mock.calls.flat().join(" ")).not.toContain(OUTAGE);
  expect(failed.length).toBeGreaterThan(0);
}

describe("item 15: a Durable Object outage answers 503 with Retry-After and grants nothing", () => {
  it("POST /api/login: a user with MFA gets no twoFactorId, a user without gets no JWT", async () => {
    const { key } = await seedTenant();
    const mfa = await enrolledUser(key);
    const plain = await createUser(key);
    failing = true;
    expectUnavailable(await api("POST", "/api/login", { key, body: { loginId: mfa.email, password: PASSWORD } }));
    expectUnavailable(await api("POST", "/api/login", { key, body: { loginId: plain.email, password: PASSWORD } }));
  });

  it("POST /api/two-factor/login with the right code: no token; after the outage the same code still completes", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const twoFactorId = await loginFor242(key, u.email);
    const code = await totp(u.secretBase32);
    failing = true;
    expectUnavailable(await api("POST", "/api/two-factor/login", { body: { twoFactorId, code, trustComputer: true } }));
    failing = false;
    const done = await api("POST", "/api/two-factor/login", { body: { twoFactorId, code } });
    expect(done.status).toBe(200);
  });

  it("POST /api/two-factor/start: no code and no twoFactorId", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    failing = true;
    expectUnavailable(await api("POST", "/api/two-factor/start", { key, body: { userId: u.userId } }));
  });

  it("POST /api/webauthn/start and /login with a valid assertion: no options, no token", async () => {
    const t = await passkeyTenant();
    const user = await createUser(t.key);
    const { auth } = await registerPasskey(t, user.id);
    const credential = await signFor(auth, await startOptions(t, { userId: user.id }));
    failing = true;
    expectUnavailable(await api("POST", "/api/webauthn/start", { key: t.key, body: { userId: user.id } }));
    expectUnavailable(await api("POST", "/api/webauthn/login", { body: { credential } }));
    expectUnavailable(await api("POST", "/api/webauthn/assert", { body: { credential } }));
  });
});
