/**
 * Step-up for sensitive changes (issue 10 item 4).
 *
 * Threat: whoever drives an application's session (a stolen cookie, a cross-site request, a bug in
 * the app) can, through the app's API key, add an authenticator, read fresh recovery codes, register
 * or delete a passkey, or change the email, phone or password — without the user's second factor.
 * FusionAuth's API behaves so and apps rely on it, so that stays the default. With the tenant's
 * `multiFactorConfiguration.stepUp.requiredForSensitiveActions` on, each of these needs a proof of a
 * fresh second factor (NIST SP 800-63B §4.2.3 re-authentication): a trustToken from
 * /api/two-factor/start + /api/two-factor/login whose trustChallenge names the action, sent in
 * `X-EdgeMFA-Trust-Token`, at most 5 minutes old, accepted once (consumed atomically in the user's
 * Durable Object).
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { call, clock, createUser, enrolledUser, nextStep, seedTenant, totp, type Call } from "../support/mfa.ts";
import { ORIGIN, RP_ID, webAuthnSettings } from "../support/passkeys.ts";
import { SoftAuthenticator } from "../support/soft-authenticator.ts";
import { uniquePhone } from "../support/oob.ts";

const ON = { multiFactorConfiguration: { stepUp: { requiredForSensitiveActions: true } } };
const HEADER = "x-edgemfa-trust-token";

beforeEach(() => nextStep());

/** A step-up for `trustChallenge` through the public API: start (key) → login with the code → trustToken. */
async function stepUp(key: string, userId: string, trustChallenge: string | undefined): Promise<string> {
  const start = await call("POST", "/api/two-factor/start", {
    key,
    body: { userId, ...(trustChallenge ? { trustChallenge } : {}) },
  });
  if (start.status !== 200) throw new Error(`start: ${start.status} ${start.text}`);
  const done = await call("POST", "/api/two-factor/login", {
    body: { twoFactorId: start.body.twoFactorId, code: start.body.code },
  });
  if (done.status !== 200 || typeof done.body.trustToken !== "string")
    throw new Error(`login: ${done.status} ${done.text}`);
  return done.body.trustToken;
}

async function setTenantSettings(tenantId: string, settings: Record<string, unknown>): Promise<void> {
  await env.DB.prepare("UPDATE tenants SET settings = ? WHERE id = ?").bind(JSON.stringify(settings), tenantId).run();
}

async function register(key: string, userId: string, proof?: string) {
  const auth = await SoftAuthenticator.create({});
  const headers = proof ? { [HEADER]: proof } : undefined;
  const start = await call("POST", "/api/webauthn/register/start", {
    key,
    headers,
    body: { userId, displayName: "Test user", name: "laptop", workflow: "general" },
  });
  if (start.status !== 200) return { start };
  const credential = await auth.register({ challenge: start.body.options.challenge, origin: ORIGIN, rpId: RP_ID });
  const done = await call("POST", "/api/webauthn/register/complete", {
    key,
    body: { userId, origin: ORIGIN, rpId: RP_ID, credential },
  });
  return { start, done };
}

type Fixture = { tenantId: string; key: string; userId: string; secretBase32: string };

/** A user with an authenticator and two passkeys, set up with the setting off; then the tenant's settings become `settings`. */
async function fixture(settings: Record<string, unknown>): Promise<Fixture> {
  const base = webAuthnSettings();
  const { tenantId, key } = await seedTenant(base);
  const u = await enrolledUser(key);
  for (let i = 0; i < 2; i++) {
    const reg = await register(key, u.userId);
    if (reg.done?.status !== 200) throw new Error(`passkey: ${reg.done?.status} ${reg.done?.text}`);
  }
  await setTenantSettings(tenantId, { ...base, ...settings });
  return { tenantId, key, userId: u.userId, secretBase32: u.secretBase32 };
}

type Action = { action: string; run: (f: Fixture, proof?: string) => Promise<Call> };

const proofHeaders = (proof?: string) => (proof ? { [HEADER]: proof } : undefined);

/** Every sensitive endpoint, with a request that succeeds when allowed. */
const ACTIONS: Action[] = [
  {
    action: "mfa:add-method",
    run: async (f, proof) => {
      const secret = await call("GET", "/api/two-factor/secret", { key: f.key });
      const code = await totp(secret.body.secretBase32Encoded);
      return call("POST", `/api/user/two-factor/${f.userId}`, {
        key: f.key,
        headers: proofHeaders(proof),
        body: { method: "authenticator", code, secret: secret.body.secret },
      });
    },
  },
  {
    action: "mfa:regenerate-recovery-codes",
    run: (f, proof) =>
      call("POST", `/api/user/two-factor/recovery-code/${f.userId}`, {
        key: f.key,
        raw: "",
        headers: { "content-type": "text/plain", ...proofHeaders(proof) },
      }),
  },
  { action: "passkey:register", run: async (f, proof) => (await register(f.key, f.userId, proof)).start },
  {
    action: "passkey:delete",
    run: async (f, proof) => {
      const [first] = (await call("GET", `/api/webauthn?userId=${f.userId}`, { key: f.key })).body.credentials;
      return call("DELETE", `/api/webauthn/${first.id}`, { key: f.key, headers: proofHeaders(proof) });
    },
  },
  {
    action: "user:change-email",
    run: (f, proof) =>
      call("PATCH", `/api/user/${f.userId}`, {
        key: f.key,
        headers: proofHeaders(proof),
        body: { user: { email: `new-${crypto.randomUUID()}@example.com` } },
      }),
  },
  {
    action: "user:change-phone",
    run: (f, proof) =>
      call("PATCH", `/api/user/${f.userId}`, {
        key: f.key,
        headers: proofHeaders(proof),
        body: { user: { mobilePhone: uniquePhone() } },
      }),
  },
  {
    action: "user:change-password",
    run: (f, proof) =>
      call("PATCH", `/api/user/${f.userId}`, {
        key: f.key,
        headers: proofHeaders(proof),
        body: { user: { password: `pw-${crypto.randomUUID()}` } },
      }),
  },
];

function expectRefused(r: Call | undefined, action: string): void {
  expect({
    status: r?.status,
    code: r?.body?.generalErrors?.[0]?.code,
    trustChallenge: r?.body?.generalErrors?.[0]?.data?.trustChallenge,
  }).toEqual({
    status: 400,
    code: "[TrustTokenRequired]",
    trustChallenge: action,
  });
}

describe("setting off (FusionAuth's default): nothing changes", () => {
  for (const a of ACTIONS) {
    it(`${a.action} needs only the API key`, async () => {
      const f = await fixture({});
      expect((await a.run(f))?.status).toBe(200);
    });
  }
});

describe("setting on: every sensitive endpoint needs a fresh, single-use, action-bound step-up", () => {
  for (const a of ACTIONS) {
    it(`${a.action}: refused without proof, with another action's proof, with a plain login's trust token, and with a replayed proof; a fresh one works once`, async () => {
      const f = await fixture(ON);
      expectRefused(await a.run(f), a.action);
      const other = ACTIONS.find((x) => x.action !== a.action)!.action;
      expectRefused(await a.run(f, await stepUp(f.key, f.userId, other)), a.action);
      expectRefused(await a.run(f, await stepUp(f.key, f.userId, undefined)), a.action);
      const proof = await stepUp(f.key, f.userId, a.action);
      expect((await a.run(f, proof))?.status).toBe(200);
      expectRefused(await a.run(f, proof), a.action);
    });
  }

  it("deleting all of a user's passkeys (DELETE /api/webauthn?userId=) is passkey:delete too", async () => {
    const f = await fixture(ON);
    const path = `/api/webauthn?userId=${f.userId}`;
    expectRefused(await call("DELETE", path, { key: f.key }), "passkey:delete");
    expect(
      (
        await call("DELETE", path, {
          key: f.key,
          headers: proofHeaders(await stepUp(f.key, f.userId, "passkey:delete")),
        })
      ).status,
    ).toBe(200);
  });

  for (const action of ["mfa:regenerate-recovery-codes", "user:change-password"]) {
    it(`${action}: 10 parallel requests with one proof, exactly one success`, async () => {
      const f = await fixture(ON);
      const proof = await stepUp(f.key, f.userId, action);
      const run = ACTIONS.find((a) => a.action === action)!.run;
      const statuses = (await Promise.all(Array.from({ length: 10 }, () => run(f, proof)))).map((r) => r?.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 400)).toHaveLength(9);
    });
  }

  it("a proof older than 5 minutes is refused even while the trust token itself is still valid", async () => {
    const f = await fixture({ ...ON, externalIdentifierConfiguration: { trustTokenTimeToLiveInSeconds: 900 } });
    const proof = await stepUp(f.key, f.userId, "mfa:regenerate-recovery-codes");
    clock.now += 301;
    expectRefused(await ACTIONS[1]!.run(f, proof), "mfa:regenerate-recovery-codes");
    const fresh = await stepUp(f.key, f.userId, "mfa:regenerate-recovery-codes");
    clock.now += 299;
    expect((await ACTIONS[1]!.run(f, fresh))?.status).toBe(200);
  });

  it("an expired trust token is refused (the tenant's trustTokenTimeToLiveInSeconds, 180 s by default)", async () => {
    const f = await fixture(ON);
    const proof = await stepUp(f.key, f.userId, "mfa:regenerate-recovery-codes");
    clock.now += 181;
    expectRefused(await ACTIONS[1]!.run(f, proof), "mfa:regenerate-recovery-codes");
  });

  it("another user's proof, a forged token and a malformed header are refused", async () => {
    const f = await fixture(ON);
    const other = await enrolledUser(f.key);
    expectRefused(
      await ACTIONS[1]!.run(f, await stepUp(f.key, other.userId, "mfa:regenerate-recovery-codes")),
      "mfa:regenerate-recovery-codes",
    );
    const good = await stepUp(f.key, f.userId, "mfa:regenerate-recovery-codes");
    const [h, p] = good.split(".");
    expectRefused(await ACTIONS[1]!.run(f, `${h}.${p}.${"A".repeat(43)}`), "mfa:regenerate-recovery-codes");
    expectRefused(await ACTIONS[1]!.run(f, "not a token"), "mfa:regenerate-recovery-codes");
    // The refusals did not burn the real proof.
    expect((await ACTIONS[1]!.run(f, good))?.status).toBe(200);
  });

  it("a factor change revokes proofs issued before it", async () => {
    const f = await fixture(ON);
    const earlier = await stepUp(f.key, f.userId, "mfa:regenerate-recovery-codes");
    clock.now += 1;
    expect((await ACTIONS[0]!.run(f, await stepUp(f.key, f.userId, "mfa:add-method")))?.status).toBe(200);
    expectRefused(await ACTIONS[1]!.run(f, earlier), "mfa:regenerate-recovery-codes");
  });

  it("a locked account refuses even a valid proof (409)", async () => {
    const f = await fixture(ON);
    const proof = await stepUp(f.key, f.userId, "mfa:regenerate-recovery-codes");
    const methodId = (await call("GET", `/api/user/${f.userId}`, { key: f.key })).body.user.twoFactor.methods[0].id;
    const wrong = String((Number(await totp(f.secretBase32)) + 500_000) % 1_000_000).padStart(6, "0");
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await call("DELETE", `/api/user/two-factor/${f.userId}?methodId=${methodId}&code=${wrong}`, { key: f.key }))
          .status,
      );
    expect(statuses.at(-1)).toBe(409);
    const r = await ACTIONS[1]!.run(f, proof);
    expect(r?.status).toBe(409);
  });

  it("one request changing email and password needs one proof naming both actions (sorted, space-separated)", async () => {
    const f = await fixture(ON);
    const body = { user: { email: `both-${crypto.randomUUID()}@example.com`, password: `pw-${crypto.randomUUID()}` } };
    const only = await call("PATCH", `/api/user/${f.userId}`, {
      key: f.key,
      headers: proofHeaders(await stepUp(f.key, f.userId, "user:change-email")),
      body,
    });
    expectRefused(only, "user:change-email user:change-password");
    const both = await stepUp(f.key, f.userId, "user:change-email user:change-password");
    expect(
      (await call("PATCH", `/api/user/${f.userId}`, { key: f.key, headers: proofHeaders(both), body })).status,
    ).toBe(200);
  });

  it("an update that leaves email, phone and password as they are needs no proof", async () => {
    const f = await fixture(ON);
    const cur = (await call("GET", `/api/user/${f.userId}`, { key: f.key })).body.user;
    expect(
      (
        await call("PATCH", `/api/user/${f.userId}`, {
          key: f.key,
          body: { user: { firstName: "Ada", email: cur.email } },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call("PUT", `/api/user/${f.userId}`, {
          key: f.key,
          body: { user: { email: cur.email, lastName: "Lovelace" } },
        })
      ).status,
    ).toBe(200);
  });

  it("a user without any second factor has nothing to step up with: enrolling the first method needs no proof (FusionAuth asks a trust token only of users with MFA)", async () => {
    const { key } = await seedTenant(ON);
    const { id } = await createUser(key);
    const secret = await call("GET", "/api/two-factor/secret", { key });
    const r = await call("POST", `/api/user/two-factor/${id}`, {
      key,
      body: { method: "authenticator", code: await totp(secret.body.secretBase32Encoded), secret: secret.body.secret },
    });
    expect(r.status).toBe(200);
    expect(r.body.recoveryCodes).toHaveLength(10);
    // Now the user has one: the next sensitive change needs a proof.
    expectRefused(
      await call("PATCH", `/api/user/${id}`, { key, body: { user: { password: "another long password" } } }),
      "user:change-password",
    );
  });
});
