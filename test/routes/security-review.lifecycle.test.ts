/**
 * Issue 10, lifecycle items: what a challenge, a trust and a one-time secret may still do after the
 * user or their methods change underneath it.
 * - item 1: the enrolment code completes only a login of a user who had no usable factor at its start;
 * - item 3: removing a method reaches every open challenge, and its own code is not replayable;
 * - item 6: password change, email change and deactivation end trusts and open challenges;
 * - item 8: a recovery code is consumed only when the user's object will accept it;
 * - item 13: /api/login and /api/two-factor/status apply one rule for "a second factor is due".
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { base32Decode, base64UrlEncode } from "../../src/domain/encoding.ts";
import type { LockoutPolicy } from "../../src/domain/lockout.ts";
import { parseTwoFactorId } from "../../src/storage/durable-objects/user-guard-ids.ts";
import { counters, resetCounters } from "../../src/services/instrumentation.ts";
import {
  app,
  call,
  clock,
  createUser,
  enrolledUser,
  loginFor242,
  nextStep,
  PASSWORD,
  seedTenant,
  totp,
  type Target,
} from "../support/mfa.ts";
import { enableOob, lastCode, oobTenant, outbox, uniquePhone } from "../support/oob.ts";
import { passkeyTenant, registerPasskey } from "../support/passkeys.ts";

const NEW_PASSWORD = "a different long passphrase";
const POLICY: LockoutPolicy = { tooManyAttempts: 50, resetCountInSeconds: 60, lockSeconds: 60 };

function guardOf(tenantId: string, userId: string) {
  return env.USER_GUARD.get(env.USER_GUARD.idFromName(`${tenantId}:${userId}`));
}

async function enrolWith(key: string, userId: string, twoFactorId: string) {
  const s = await call("GET", "/api/two-factor/secret", { key });
  return call("POST", `/api/user/two-factor/${userId}`, {
    key,
    body: { method: "authenticator", code: await totp(s.body.secretBase32Encoded), secret: s.body.secret, twoFactorId },
  });
}

describe("item 1: the enrolment code completes only an enrol-during-login challenge", () => {
  it("a login challenge of a user who already has an authenticator gets no completing code", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const twoFactorId = await loginFor242(key, u.email);
    const en = await enrolWith(key, u.userId, twoFactorId);
    expect(en.status).toBe(200);
    expect(en.body.code).toBeUndefined();
  });

  it("a step-up challenge gets no completing code, and its own start code keeps working", async () => {
    const { key } = await seedTenant();
    const { id } = await createUser(key);
    const start = await call("POST", "/api/two-factor/start", { key, body: { userId: id } });
    const en = await enrolWith(key, id, start.body.twoFactorId);
    expect(en.body.code).toBeUndefined();
    expect(
      (
        await call("POST", "/api/two-factor/login", {
          body: { twoFactorId: start.body.twoFactorId, code: start.body.code },
        })
      ).status,
    ).toBe(200);
  });

  it("a user whose only factor is a passkey (Required policy) gets no completing code", async () => {
    const t = await passkeyTenant({ multiFactorConfiguration: { loginPolicy: "Required" } });
    const user = await createUser(t.key);
    await registerPasskey(t, user.id);
    const twoFactorId = await loginFor242(t.key, user.email);
    expect((await enrolWith(t.key, user.id, twoFactorId)).body.code).toBeUndefined();
  });

  it("a Required-policy login of a user with no factor still gets its code (FusionAuth's enrol-during-login)", async () => {
    const { key } = await seedTenant({ multiFactorConfiguration: { loginPolicy: "Required" } });
    const { id, email } = await createUser(key);
    const twoFactorId = await loginFor242(key, email);
    const en = await enrolWith(key, id, twoFactorId);
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId, code: en.body.code } })).status).toBe(
      200,
    );
  });
});

describe("item 3: removing a method reaches open challenges", () => {
  it("neither the removal's own code nor a fresh code of the removed authenticator completes a challenge opened before", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const [first, second] = [await loginFor242(key, u.email), await loginFor242(key, u.email)];
    const removalCode = await totp(u.secretBase32);
    expect(
      (await call("DELETE", `/api/user/two-factor/${u.userId}?methodId=${u.methodId}&code=${removalCode}`, { key }))
        .status,
    ).toBe(200);
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: first, code: removalCode } })).status,
    ).toBe(421);
    nextStep();
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: second, code: await totp(u.secretBase32) } }))
        .status,
    ).toBe(421);
  });

  it("the removed method's last accepted step outlives it (a challenge snapshotted before the removal cannot replay it), then expires", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    const removalCode = await totp(u.secretBase32);
    expect(
      (await call("DELETE", `/api/user/two-factor/${u.userId}?methodId=${u.methodId}&code=${removalCode}`, { key }))
        .status,
    ).toBe(200);
    const guard = guardOf(tenantId, u.userId);
    const candidate = { methodId: u.methodId, secret: base64UrlEncode(base32Decode(u.secretBase32)) };
    expect(
      (
        await guard.verifyDirect({
          candidates: [candidate],
          code: removalCode,
          recoveryAllowed: false,
          policy: POLICY,
          now: clock.now,
        })
      ).status,
    ).toBe("invalid");
    clock.now += 3600;
    expect((await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId } })).status).toBe(200);
    const kept = await runInDurableObject(guard, (_: unknown, state: DurableObjectState) =>
      state.storage.kv.get(`step:${u.methodId}`),
    );
    expect(kept).toBeUndefined();
  });

  it("/api/two-factor/send cannot text a number removed after the challenge opened, and the code sent there before dies", async () => {
    const { key } = await seedTenant(oobTenant());
    const u = await createUser(key);
    const phone = uniquePhone();
    const { methodId } = await enableOob(key, u.id, "sms", phone);
    const twoFactorId = await loginFor242(key, u.email);
    expect((await call("POST", `/api/two-factor/send/${twoFactorId}`, { body: { methodId } })).status).toBe(200);
    const loginCode = await lastCode(phone);
    clock.now += 120;
    expect((await call("POST", "/api/two-factor/send", { key, body: { userId: u.id, methodId } })).status).toBe(200);
    const disableCode = await lastCode(phone);
    expect(
      (await call("DELETE", `/api/user/two-factor/${u.id}?methodId=${methodId}&code=${disableCode}`, { key })).status,
    ).toBe(200);
    const sentBefore = (await outbox(phone)).length;
    clock.now += 120;
    const resend = await call("POST", `/api/two-factor/send/${twoFactorId}`, { body: { methodId } });
    expect({ status: resend.status, sent: (await outbox(phone)).length }).toEqual({ status: 400, sent: sentBefore });
    if (loginCode !== disableCode)
      expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId, code: loginCode } })).status).toBe(
        421,
      );
  });
});

describe("item 6: password change, email change and deactivation end trusts and open challenges", () => {
  async function trustedWithOpenChallenge(key: string) {
    const u = await enrolledUser(key);
    const done = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId: await loginFor242(key, u.email), code: await totp(u.secretBase32), trustComputer: true },
    });
    expect(done.status).toBe(200);
    nextStep();
    return { u, trustId: done.body.twoFactorTrustId as string, open: await loginFor242(key, u.email) };
  }

  for (const [change, fields] of [
    ["password change", { password: NEW_PASSWORD }],
    ["email change", { email: `changed-${crypto.randomUUID()}@example.com` }],
  ] as const) {
    it(`a ${change} revokes the device trust and ends the open challenge`, async () => {
      const { key } = await seedTenant();
      const { u, trustId, open } = await trustedWithOpenChallenge(key);
      expect((await call("PATCH", `/api/user/${u.userId}`, { key, body: { user: fields } })).status).toBe(200);
      const loginId = "email" in fields ? fields.email : u.email;
      const password = "password" in fields ? fields.password : PASSWORD;
      const login = await call("POST", "/api/login", { key, body: { loginId, password, twoFactorTrustId: trustId } });
      expect(login.status).toBe(242);
      expect(
        (await call("POST", "/api/two-factor/login", { body: { twoFactorId: open, code: await totp(u.secretBase32) } }))
          .status,
      ).toBe(404);
    });
  }

  it("deactivation revokes the trusts and the deactivated user cannot finish a pending challenge", async () => {
    const { key } = await seedTenant();
    const { u, open } = await trustedWithOpenChallenge(key);
    expect((await call("PATCH", `/api/user/${u.userId}`, { key, body: { user: { active: false } } })).status).toBe(200);
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: open, code: await totp(u.secretBase32) } }))
        .status,
    ).toBe(404);
    expect((await call("GET", `/api/user/two-factor/trust/${u.userId}`, { key })).body.trusts).toEqual([]);
  });

  it("a change of name alone leaves trusts and challenges alone", async () => {
    const { key } = await seedTenant();
    const { u, open } = await trustedWithOpenChallenge(key);
    expect((await call("PATCH", `/api/user/${u.userId}`, { key, body: { user: { firstName: "Ada" } } })).status).toBe(
      200,
    );
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId: open, code: await totp(u.secretBase32) } }))
        .status,
    ).toBe(200);
  });
});

/** A D1 binding whose statements matching `sql` wait at `run()` until the test opens the gate. */
function gatedDb(db: D1Database, sql: RegExp) {
  let reached!: () => void;
  let open!: () => void;
  const gate = { reached: new Promise<void>((r) => (reached = r)), opened: new Promise<void>((r) => (open = r)) };
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement =>
    ({
      bind: (...values: unknown[]) => wrap(stmt.bind(...values)),
      run: async () => {
        reached();
        await gate.opened;
        return stmt.run();
      },
      all: () => stmt.all(),
      raw: (o?: { columnNames?: boolean }) => stmt.raw(o as { columnNames: true }),
      first: (col?: string) => stmt.first(col as string),
    }) as unknown as D1PreparedStatement;
  const gated = new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (q: string) => (sql.test(q) ? wrap(target.prepare(q)) : target.prepare(q));
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: gated, reached: gate.reached, open };
}

describe("item 8: a recovery code is consumed only when the challenge will accept it", () => {
  it("a TOTP completion racing a recovery code: the code is used only if its request answered 200", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const twoFactorId = await loginFor242(key, u.email);
    const gate = gatedDb(env.DB, /^update "recovery_codes"/i);
    const via: Target = { app, env: { ...env, DB: gate.db } as unknown as Env };
    const recovery = call("POST", "/api/two-factor/login", { body: { twoFactorId, code: u.recoveryCodes[0] }, via });
    await gate.reached;
    const other = await call("POST", "/api/two-factor/login", {
      body: { twoFactorId, code: await totp(u.secretBase32) },
    });
    gate.open();
    const r = await recovery;
    const remaining = (await call("GET", `/api/user/two-factor/recovery-code/${u.userId}`, { key })).body
      .remainingRecoveryCodes;
    expect([r.status, other.status].filter((s) => s === 200)).toHaveLength(1);
    expect({ status: r.status, remaining }).toEqual(
      r.status === 200 ? { status: 200, remaining: 9 } : { status: r.status, remaining: 10 },
    );
  });

  it("the held challenge is not completed twice: after the recovery code wins, the challenge is gone", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    const twoFactorId = await loginFor242(key, u.email);
    const guard = guardOf(tenantId, u.userId);
    const { nonce } = parseTwoFactorId(twoFactorId)!;
    const held = await guard.verifyChallenge({
      nonce,
      code: u.recoveryCodes[0]!,
      codeHash: "x",
      now: clock.now,
      expectTenantId: null,
      trustComputer: false,
    });
    expect(held.status).toBe("check_recovery");
    const settled = await guard.settleRecovery({ nonce, consumed: true, trustComputer: false, now: clock.now });
    expect(settled.status).toBe("completed");
    expect(
      (await call("POST", "/api/two-factor/login", { body: { twoFactorId, code: await totp(u.secretBase32) } })).status,
    ).toBe(404);
  });
});

describe("item 13: one rule decides whether a second factor is due", () => {
  for (const loginPolicy of ["Enabled", "Required", "Disabled"] as const) {
    it(`a passkey-only user under ${loginPolicy}: /api/login and /api/two-factor/status agree`, async () => {
      const t = await passkeyTenant({ multiFactorConfiguration: { loginPolicy } });
      const user = await createUser(t.key);
      await registerPasskey(t, user.id);
      const login = await call("POST", "/api/login", { key: t.key, body: { loginId: user.email, password: PASSWORD } });
      const status = await call("POST", "/api/two-factor/status", { key: t.key, body: { userId: user.id } });
      expect({ login: login.status, status: status.status }).toEqual({
        login: loginPolicy === "Disabled" ? 200 : 242,
        status: loginPolicy === "Disabled" ? 200 : 242,
      });
    });
  }
});

describe("one recovery-code shape (the domain's) in the object and the services", () => {
  it("a code with the look-alikes 0, O, 1, I is judged a wrong code in one object call, never routed to recovery", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const twoFactorId = await loginFor242(key, u.email);
    const via: Target = { app, env: { ...env, BENCH_INSTRUMENTATION: "1" } as unknown as Env };
    resetCounters();
    const r = await call("POST", "/api/two-factor/login", { body: { twoFactorId, code: "0OOOO-1IIII" }, via });
    expect({ status: r.status, doCalls: counters.doCalls, d1Queries: counters.d1Queries }).toEqual({
      status: 421,
      doCalls: 1,
      d1Queries: 0,
    });
    // A real code of the same length still goes to recovery and completes.
    const ok = await call("POST", "/api/two-factor/login", { body: { twoFactorId, code: u.recoveryCodes[0] } });
    expect(ok.status).toBe(200);
  });
});
