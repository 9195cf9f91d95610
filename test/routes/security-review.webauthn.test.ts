/**
 * Issue 10 item 2: lockout abuse through the anonymous passkey endpoints.
 *
 * Threats:
 * - Anyone who knows a passkey's credential id (it is in every `allowCredentials` list) posts junk
 *   assertions naming it to /api/webauthn/login or /assert. A WebAuthn signature cannot be guessed
 *   (NIST SP 800-63B §5.2.2 rate-limits guessable authenticators), so such failures must not move the
 *   account's guessing lock; otherwise they lock the owner out (5 → the temporary lock, 100 → the
 *   lock only an administrator lifts). They must still be logged (no secrets) and raise an event,
 *   and the anonymous endpoints are throttled per client IP and per credential id — but the owner's
 *   own valid assertion is never refused by the per-credential throttle.
 */
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { base64UrlEncode, utf8 } from "../../src/domain/encoding.ts";
import { CHALLENGE_RANDOM_BYTES, newChallenge } from "../../src/domain/webauthn-policy.ts";
import { WEBAUTHN_THROTTLE } from "../../src/services/webauthn-throttle.ts";
import { call, clock, createUser, nextStep, PASSWORD } from "../support/mfa.ts";
import { eventsOf, flushEvents, guardStub } from "../support/events.ts";
import {
  ORIGIN,
  passkeyTenant,
  registerPasskey,
  RP_ID,
  signFor,
  startOptions,
  type PasskeyTenant,
} from "../support/passkeys.ts";
import { SoftAuthenticator } from "../support/soft-authenticator.ts";

const LOCK_AT = 5;
const lockSettings = {
  failedAuthenticationConfiguration: {
    tooManyAttempts: LOCK_AT,
    resetCountInSeconds: 600,
    actionDuration: 10,
    actionDurationUnit: "MINUTES",
  },
};

async function victim() {
  const t = await passkeyTenant(lockSettings);
  const user = await createUser(t.key);
  const reg = await registerPasskey(t, user.id);
  return { t, user, ...reg };
}

let ipCounter = 0;
/** A fresh client IP per call unless given, so only the throttle under test can refuse. */
const nextIp = () => `198.51.${(++ipCounter >> 8) & 0xff}.${ipCounter & 0xff}`;

function post(path: "/api/webauthn/login" | "/api/webauthn/assert", body: Record<string, unknown>, ip = nextIp()) {
  return call("POST", path, { body, headers: { "cf-connecting-ip": ip } });
}

/** Junk naming `credentialId`: a well-formed challenge no ceremony issued, and no valid signature. */
function noCeremony(credentialId: string, store: "user" | "discoverable" = "user") {
  const challenge = base64UrlEncode(
    newChallenge(store, crypto.getRandomValues(new Uint8Array(CHALLENGE_RANDOM_BYTES))),
  );
  const clientDataJSON = base64UrlEncode(utf8(JSON.stringify({ type: "webauthn.get", challenge, origin: ORIGIN })));
  return {
    id: credentialId,
    rawId: credentialId,
    type: "public-key",
    response: { clientDataJSON, authenticatorData: "AAAA", signature: "AAAA" },
  };
}

/** Junk naming `credentialId` for a real (discoverable) ceremony, signed by the attacker's own key. */
async function wrongKey(t: PasskeyTenant, credentialId: string, userId: string, origin = ORIGIN) {
  const attacker = await SoftAuthenticator.create();
  const a = await attacker.assert({
    challenge: (await startOptions(t, {})).challenge,
    origin,
    rpId: RP_ID,
    counter: 1000,
    userId,
  });
  return { ...a, id: credentialId, rawId: credentialId };
}

/** Moves past every throttle window, so the next requests reach verification. */
const pastThrottle = () =>
  (clock.now += 2 * Math.max(WEBAUTHN_THROTTLE.ip.windowSeconds, WEBAUTHN_THROTTLE.credential.windowSeconds));

let warn: MockInstance;
beforeEach(() => {
  nextStep();
  warn = vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => warn.mockRestore());

describe("item 2: unverifiable assertions do not move the guessing lock", { timeout: 120_000 }, () => {
  it("6 junk assertions (no ceremony, wrong key, wrong origin) naming a known credential: the owner's right password is not answered 409", async () => {
    const { t, user, credential } = await victim();
    const id = credential.credentialId as string;
    const junk = [
      noCeremony(id),
      await wrongKey(t, id, user.id),
      await wrongKey(t, id, user.id, "https://evil.example.com"),
      noCeremony(id, "discoverable"),
      await wrongKey(t, id, user.id),
      noCeremony(id),
    ];
    const statuses: number[] = [];
    for (const [i, c] of junk.entries())
      statuses.push((await post(i % 2 ? "/api/webauthn/assert" : "/api/webauthn/login", { credential: c })).status);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 400]);
    const login = await call("POST", "/api/login", { key: t.key, body: { loginId: user.email, password: PASSWORD } });
    expect([200, 242]).toContain(login.status);
    expect((await guardStub(t.tenantId, user.id).lockState()).consecutiveFailures).toBe(0);
  });

  it("101 junk assertions do not lock: no 409, the lock state stays clear, the owner's passkey and password still work", async () => {
    const { t, user, auth, credential } = await victim();
    const id = credential.credentialId as string;
    const statuses = new Set<number>();
    for (let i = 0; i < 101; i++) {
      if (i % WEBAUTHN_THROTTLE.credential.limit === 0) pastThrottle();
      statuses.add(
        (
          await post(i % 2 ? "/api/webauthn/assert" : "/api/webauthn/login", {
            credential: noCeremony(id, i % 3 ? "user" : "discoverable"),
          })
        ).status,
      );
    }
    expect([...statuses]).toEqual([400]);
    const state = await guardStub(t.tenantId, user.id).lockState();
    expect({ consecutive: state.consecutiveFailures, lockedUntil: state.lockedUntil }).toEqual({
      consecutive: 0,
      lockedUntil: null,
    });
    expect(
      (
        await post("/api/webauthn/login", {
          credential: await signFor(auth, await startOptions(t, { userId: user.id })),
        })
      ).status,
    ).toBe(200);
    expect([200, 242]).toContain(
      (await call("POST", "/api/login", { key: t.key, body: { loginId: user.email, password: PASSWORD } })).status,
    );
  });

  it("each failure is logged without the assertion's bytes and raises user.login.failed with a reason", async () => {
    const { t, user, credential } = await victim();
    const id = credential.credentialId as string;
    const junk = noCeremony(id);
    expect((await post("/api/webauthn/login", { credential: junk })).status).toBe(400);
    expect((await post("/api/webauthn/assert", { credential: await wrongKey(t, id, user.id) })).status).toBe(400);
    const lines = warn.mock.calls.map((a) => String(a[0]));
    const failures = lines.filter((l) => /webauthn verification failed/.test(l));
    expect(failures.length).toBeGreaterThanOrEqual(2);
    for (const l of failures) {
      expect(l).not.toContain(junk.response.clientDataJSON);
      expect(l).not.toContain(`${junk.response.signature}"`);
    }
    await flushEvents(t.tenantId, user.id);
    const events = await eventsOf(t.key, user.id, "user.login.failed");
    expect(events).toHaveLength(2);
    for (const e of events)
      expect(e).toMatchObject({
        authenticationType: "WEBAUTHN",
        reason: { code: "credentials", detail: expect.any(String) },
      });
    expect(events.map((e) => e.reason.detail).sort()).toEqual(["challenge_not_found", "not_verified"]);
    // Not a second-factor guess: nothing in the failed-attempt stream or the alert window.
    expect(await eventsOf(t.key, user.id, "user.two-factor.failed-attempt")).toHaveLength(0);
  });

  it("a locked account still answers 409 to a passkey (the lock from guessable factors holds)", async () => {
    const { t, user, auth } = await victim();
    for (let i = 0; i < LOCK_AT; i++)
      await call("POST", "/api/login", { key: t.key, body: { loginId: user.email, password: "wrong" } });
    const r = await post("/api/webauthn/login", {
      credential: await signFor(auth, await startOptions(t, {}), { userId: user.id }),
    });
    expect(r.status).toBe(409);
  });
});

describe("item 2: the anonymous WebAuthn endpoints are throttled", { timeout: 120_000 }, () => {
  it("per client IP: past the limit one IP gets 429 with Retry-After, whatever credential it names; another IP is unaffected", async () => {
    pastThrottle();
    const ip = "203.0.113.7";
    const { limit } = WEBAUTHN_THROTTLE.ip;
    const statuses: number[] = [];
    for (let i = 0; i < limit; i++)
      statuses.push(
        (
          await post(
            i % 2 ? "/api/webauthn/assert" : "/api/webauthn/login",
            { credential: noCeremony(base64UrlEncode(crypto.getRandomValues(new Uint8Array(16)))) },
            ip,
          )
        ).status,
      );
    expect(new Set(statuses)).toEqual(new Set([400]));
    const refused = await post(
      "/api/webauthn/login",
      { credential: noCeremony(base64UrlEncode(crypto.getRandomValues(new Uint8Array(16)))) },
      ip,
    );
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.body.generalErrors[0].code).toBe("[TooManyRequests]");
    expect((await post("/api/webauthn/assert", { credential: noCeremony("AAAA") }, ip)).status).toBe(429);
    expect((await post("/api/webauthn/login", { credential: noCeremony("AAAA") }, "203.0.113.8")).status).toBe(400);
    clock.now += Number(refused.headers.get("retry-after"));
    expect((await post("/api/webauthn/login", { credential: noCeremony("AAAA") }, ip)).status).toBe(400);
  });

  it("per credential id: junk from many IPs is refused 429 past the limit, yet the owner's valid assertion still logs in", async () => {
    const { t, user, auth, credential } = await victim();
    const id = credential.credentialId as string;
    pastThrottle();
    const { limit } = WEBAUTHN_THROTTLE.credential;
    for (let i = 0; i < limit; i++)
      expect((await post("/api/webauthn/login", { credential: noCeremony(id) })).status).toBe(400);
    const refused = await post("/api/webauthn/assert", { credential: noCeremony(id) });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // The throttle is no lockout lever: a real signature over a real ceremony gets through.
    expect(
      (
        await post("/api/webauthn/login", {
          credential: await signFor(auth, await startOptions(t, { userId: user.id })),
        })
      ).status,
    ).toBe(200);
    // Throttled junk raised no event beyond the first `limit`.
    await flushEvents(t.tenantId, user.id);
    expect(await eventsOf(t.key, user.id, "user.login.failed")).toHaveLength(limit);
  });
});
