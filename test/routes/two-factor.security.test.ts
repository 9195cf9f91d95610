/**
 * Security properties of the second factor, each test named for the property it pins:
 * single use under concurrency, replay and skew (RFC 6238 §5.2), per-challenge and per-account
 * guessing bounds (NIST SP 800-63B §5.2.2), tenant isolation without an existence oracle, and no
 * secret at rest or on the wire after enrolment.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_ATTEMPTS_PER_CHALLENGE } from "../../src/domain/lockout.ts";
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
} from "../support/mfa.ts";

const wrongCode = (good: string) => String((Number(good) + 500_000) % 1_000_000).padStart(6, "0");

describe("TOTP replay and clock skew", () => {
  it("a code for a step that was already accepted is refused, even through a new challenge", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const code = await totp(u.secretBase32);
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: await loginFor242(key, u.email), code } }))
        .status,
    ).toBe(200);
    const replay = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: await loginFor242(key, u.email), code },
    });
    expect(replay.status).toBe(421);
  });

  it("an older step than the last accepted one is refused", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const older = await totp(u.secretBase32, -1);
    expect(
      (
        await call("POST", "/api/two-factor/login", {
          body: { twoFactorId: await loginFor242(key, u.email), code: await totp(u.secretBase32) },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call("POST", "/api/two-factor/login", {
          body: { twoFactorId: await loginFor242(key, u.email), code: older },
        })
      ).status,
    ).toBe(421);
  });

  it("the enrolment code cannot be reused to log in", async () => {
    const { key } = await seedTenant();
    const { id, email } = await createUser(key);
    const s = await call("GET", "/api/two-factor/secret", { key });
    const code = await totp(s.body.secretBase32Encoded);
    expect(
      (
        await call("POST", `/api/user/two-factor/${id}`, {
          key,
          body: { method: "authenticator", code, secret: s.body.secret },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: await loginFor242(key, email), code } }))
        .status,
    ).toBe(421);
  });

  for (const [offset, expected] of [
    [-1, 200],
    [1, 200],
    [-2, 421],
    [2, 421],
  ] as const) {
    it(`a code ${offset > 0 ? "+" : ""}${offset} step(s) away answers ${expected}`, async () => {
      const { key } = await seedTenant();
      const u = await enrolledUser(key);
      nextStep();
      nextStep(); // the enrolment step is now ≥ 2 steps in the past, so −1 is not a replay
      const r = await call("POST", "/api/two-factor/login", {
        body: { twoFactorId: await loginFor242(key, u.email), code: await totp(u.secretBase32, offset) },
      });
      expect(r.status).toBe(expected);
    });
  }
});

describe("single use under concurrency", () => {
  it("20 parallel completions of one challenge with the valid code yield exactly one success", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const id = await loginFor242(key, u.email);
    const code = await totp(u.secretBase32);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 404 || s === 421)).toBe(true);
  });

  it("one TOTP code raced across 10 different challenges succeeds exactly once", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await loginFor242(key, u.email));
    const code = await totp(u.secretBase32);
    const results = await Promise.all(
      ids.map((twoFactorId) => call("POST", "/api/two-factor/login", { body: { twoFactorId, code } })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it("10 parallel uses of one recovery code on separate challenges yield exactly one success", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await loginFor242(key, u.email));
    const results = await Promise.all(
      ids.map((twoFactorId) =>
        call("POST", "/api/two-factor/login", { body: { twoFactorId, code: u.recoveryCodes[0] } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const left = await call("GET", `/api/user/two-factor/recovery-code/${u.userId}`, { key });
    expect(left.body.remainingRecoveryCodes).toBe(9);
  });

  it("a step-up code works once", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const start = await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId } });
    const body = { twoFactorId: start.body.twoFactorId, code: start.body.code };
    const [a, b] = await Promise.all([
      call("POST", "/api/two-factor/login", { body }),
      call("POST", "/api/two-factor/login", { body }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 404]);
  });
});

describe("guessing bounds", () => {
  it(`a challenge dies after ${MAX_ATTEMPTS_PER_CHALLENGE} wrong codes: then even the right code answers 404`, async () => {
    // A tenant whose account lock needs more failures than one challenge allows, to isolate the per-challenge cap.
    const { key } = await seedTenant({ failedAuthenticationConfiguration: { tooManyAttempts: 50 } });
    const u = await enrolledUser(key);
    const id = await loginFor242(key, u.email);
    const good = await totp(u.secretBase32);
    for (let i = 0; i < MAX_ATTEMPTS_PER_CHALLENGE; i++) {
      expect(
        (await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code: wrongCode(good) } })).status,
      ).toBe(421);
    }
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: id, code: good } })).status).toBe(404);
  });

  it("failures accumulate across challenges and paths; at tooManyAttempts the account locks (409) and every path refuses, even with the right code", async () => {
    const { key } = await seedTenant({
      failedAuthenticationConfiguration: {
        tooManyAttempts: 4,
        resetCountInSeconds: 600,
        actionDuration: 5,
        actionDurationUnit: "MINUTES",
      },
    });
    const u = await enrolledUser(key);
    const good = await totp(u.secretBase32);
    // 2 failures through login challenges, 1 through disable, 1 wrong password: 4 in all.
    expect(
      (
        await call("POST", "/api/two-factor/login", {
          body: { twoFactorId: await loginFor242(key, u.email), code: wrongCode(good) },
        })
      ).status,
    ).toBe(421);
    const live = await loginFor242(key, u.email);
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: live, code: wrongCode(good) } })).status,
    ).toBe(421);
    expect(
      (await call("DELETE", `/api/user/two-factor/${u.userId}?methodId=${u.methodId}&code=${wrongCode(good)}`, { key }))
        .status,
    ).toBe(421);
    const pw = await call("POST", "/api/login", { key, body: { loginId: u.email, password: "wrong password!" } });
    expect(pw.status).toBe(409);
    expect(pw.body.actions[0]).toMatchObject({ reasonCode: "TooManyAttempts" });

    // Locked: the live challenge died, and every path refuses the correct code.
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: live, code: good } })).status).toBe(404);
    expect((await call("POST", "/api/login", { key, body: { loginId: u.email, password: PASSWORD } })).status).toBe(
      409,
    );
    expect((await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId } })).status).toBe(409);
    expect(
      (
        await call("DELETE", `/api/user/two-factor/${u.userId}?methodId=${u.methodId}&code=${u.recoveryCodes[0]}`, {
          key,
        })
      ).status,
    ).toBe(409);

    // The lock lifts after actionDuration; the correct code then works.
    clock.now += 5 * 60 + 1;
    nextStep();
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: await loginFor242(key, u.email), code: await totp(u.secretBase32) },
    });
    expect(done.status).toBe(200);
  });

  it("a parallel burst of wrong guesses cannot exceed the budget: after the lock the right code is refused", async () => {
    const { key } = await seedTenant({
      failedAuthenticationConfiguration: { tooManyAttempts: 5, resetCountInSeconds: 600 },
    });
    const u = await enrolledUser(key);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await loginFor242(key, u.email));
    const good = await totp(u.secretBase32);
    const burst = await Promise.all(
      ids.flatMap((twoFactorId) =>
        [0, 1, 2].map(() => call("POST", "/api/two-factor/login", { body: { twoFactorId, code: wrongCode(good) } })),
      ),
    );
    expect(burst.filter((r) => r.status === 421).length).toBeLessThanOrEqual(4);
    expect(burst.filter((r) => r.status === 200)).toHaveLength(0);
    expect((await call("POST", "/api/login", { key, body: { loginId: u.email, password: PASSWORD } })).status).toBe(
      409,
    );
  });

  it("the consecutive-failure counter survives the timed lock and resets only on success", async () => {
    const { key, tenantId } = await seedTenant({
      failedAuthenticationConfiguration: {
        tooManyAttempts: 3,
        resetCountInSeconds: 60,
        actionDuration: 1,
        actionDurationUnit: "MINUTES",
      },
    });
    const u = await enrolledUser(key);
    const stub = env.USER_GUARD.get(env.USER_GUARD.idFromName(`${tenantId}:${u.userId}`));
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3; i++)
        await call("POST", "/api/login", { key, body: { loginId: u.email, password: "wrong password!" } });
      clock.now += 61;
    }
    expect((await stub.lockState()).consecutiveFailures).toBe(6);
    nextStep();
    expect(
      (
        await call("POST", "/api/two-factor/login", {
          body: { twoFactorId: await loginFor242(key, u.email), code: await totp(u.secretBase32) },
        })
      ).status,
    ).toBe(200);
    expect((await stub.lockState()).consecutiveFailures).toBe(0);
  });
});

describe("tenant isolation and enumeration", () => {
  it("tenant A's key on tenant B's user gets exactly the answer for a missing user", async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    const victim = await enrolledUser(b.key);
    const missing = crypto.randomUUID();
    for (const [method, path, body] of [
      ["GET", `/api/user/%s`, undefined],
      ["POST", `/api/two-factor/start`, { userId: "%s" }],
      ["POST", `/api/user/two-factor/recovery-code/%s`, undefined],
      ["DELETE", `/api/user/two-factor/%s?code=123456&methodId=${victim.methodId}`, undefined],
      ["DELETE", `/api/user/%s`, undefined],
    ] as const) {
      const sub = (id: string) => ({
        p: path.replace("%s", id),
        b: body ? JSON.parse(JSON.stringify(body).replace("%s", id)) : undefined,
      });
      const x = sub(victim.userId);
      const y = sub(missing);
      const cross = await call(method, x.p, { key: a.key, body: x.b });
      const none = await call(method, y.p, { key: a.key, body: y.b });
      expect({ path, status: cross.status, text: cross.text }).toEqual({ path, status: none.status, text: none.text });
      expect(cross.status).toBe(404);
    }
    // The victim is untouched.
    expect((await call("GET", `/api/user/${victim.userId}`, { key: b.key })).status).toBe(200);
  });

  it("a twoFactorId presented with another tenant's X-FusionAuth-TenantId answers 404", async () => {
    const a = await seedTenant();
    const b = await seedTenant();
    const u = await enrolledUser(b.key);
    const r = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: await loginFor242(b.key, u.email), code: await totp(u.secretBase32) },
      headers: { "x-fusionauth-tenantid": a.tenantId },
    });
    expect(r.status).toBe(404);
  });

  it("wrong password and unknown user give the same 404 with an empty body", async () => {
    const { key } = await seedTenant();
    const { email } = await createUser(key);
    const wrong = await call("POST", "/api/login", { key, body: { loginId: email, password: "not the password" } });
    const unknown = await call("POST", "/api/login", {
      key,
      body: { loginId: `nobody-${crypto.randomUUID()}@example.com`, password: "not the password" },
    });
    expect([wrong.status, wrong.text]).toEqual([404, ""]);
    expect([unknown.status, unknown.text]).toEqual([404, ""]);
  });

  it("forged, truncated or foreign twoFactorIds answer 404", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const real = await loginFor242(key, u.email);
    const flipped = real.slice(0, 60) + (real[60] === "A" ? "B" : "A") + real.slice(61);
    for (const twoFactorId of [
      flipped,
      real.slice(0, 85),
      "x".repeat(86),
      "YkQY5Gsyo4RlfmDciBGRmvfj3RmatUqrbjoIZ19fmw4",
      "../../etc",
    ]) {
      expect(
        (await call("POST", "/api/two-factor/login", { body: { twoFactorId, code: await totp(u.secretBase32) } }))
          .status,
      ).toBe(404);
    }
  });
});

describe("secrets at rest and on the wire", () => {
  it("D1 holds the TOTP key only as AES-GCM ciphertext and recovery codes only as keyed hashes", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const rows = await env.DB.prepare("SELECT * FROM mfa_methods WHERE user_id = ?").bind(u.userId).all();
    const dump = JSON.stringify(rows.results);
    expect(dump).not.toContain(u.secretBase32);
    expect((rows.results[0] as { secret_enc: string }).secret_enc).toMatch(/^v1\./);
    const codes = await env.DB.prepare("SELECT * FROM recovery_codes WHERE user_id = ?").bind(u.userId).all();
    const codeDump = JSON.stringify(codes.results);
    for (const c of u.recoveryCodes) {
      expect(codeDump).not.toContain(c);
      expect(codeDump).not.toContain(c.replace("-", ""));
    }
    const user = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?")
      .bind(u.userId)
      .first<{ password_hash: string }>();
    expect(user!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
  });
});
