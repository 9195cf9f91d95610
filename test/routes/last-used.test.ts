/**
 * `lastUsed` marks the method of the user's latest completion. The completion path writes
 * `last_used_at` only when that moves the mark (the user's previous completion named another
 * method, or none), so repeating the same method costs no D1 write; the mark must still follow
 * every change of method.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, enrolledUser, loginFor242, nextStep, seedTenant, totp } from "../support/mfa.ts";

async function addAuthenticator(key: string, userId: string): Promise<{ methodId: string; secretBase32: string }> {
  const secret = await call("GET", "/api/two-factor/secret", { key });
  const r = await call("POST", `/api/user/two-factor/${userId}`, {
    key,
    body: {
      method: "authenticator",
      code: await totp(secret.body.secretBase32Encoded),
      secret: secret.body.secret,
      secretBase32Encoded: secret.body.secretBase32Encoded,
    },
  });
  expect(r.status).toBe(200);
  const user = await call("GET", `/api/user/${userId}`, { key });
  const ids = user.body.user.twoFactor.methods.map((m: { id: string }) => m.id);
  nextStep();
  return { methodId: ids[ids.length - 1], secretBase32: secret.body.secretBase32Encoded };
}

async function lastUsed(key: string, userId: string): Promise<string[]> {
  const user = await call("GET", `/api/user/${userId}`, { key });
  return user.body.user.twoFactor.methods
    .filter((m: { lastUsed?: true }) => m.lastUsed)
    .map((m: { id: string }) => m.id);
}

async function storedLastUsedAt(userId: string, methodId: string): Promise<number | null> {
  const row = await env.DB.prepare("SELECT last_used_at FROM mfa_methods WHERE user_id = ? AND id = ?")
    .bind(userId, methodId)
    .first<{ last_used_at: number | null }>();
  return row!.last_used_at;
}

describe("lastUsed across completions", () => {
  it("follows every change of method and is not rewritten while the same method repeats", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const b = await addAuthenticator(key, u.userId);
    const complete = async (secretBase32: string) => {
      const twoFactorId = await loginFor242(key, u.email);
      const r = await call("POST", "/api/two-factor/login", {
        key: null,
        body: { twoFactorId, code: await totp(secretBase32) },
      });
      expect(r.status).toBe(200);
      nextStep();
    };
    expect(await lastUsed(key, u.userId)).toEqual([]);

    await complete(u.secretBase32);
    expect(await lastUsed(key, u.userId)).toEqual([u.methodId]);
    const first = await storedLastUsedAt(u.userId, u.methodId);
    expect(first).not.toBeNull();

    await complete(u.secretBase32); // same method again: the mark stays, no write
    expect(await lastUsed(key, u.userId)).toEqual([u.methodId]);
    expect(await storedLastUsedAt(u.userId, u.methodId)).toBe(first);

    await complete(b.secretBase32);
    expect(await lastUsed(key, u.userId)).toEqual([b.methodId]);

    await complete(u.secretBase32); // back to the first method: written again, the mark moves back
    expect(await lastUsed(key, u.userId)).toEqual([u.methodId]);
    expect(await storedLastUsedAt(u.userId, u.methodId)).toBeGreaterThan(first!);
  });

  it("a start code completing with a method (the challenge's code) moves the mark like any other", async () => {
    const { key } = await seedTenant();
    const u = await enrolledUser(key);
    const start = await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId } });
    const r = await call("POST", "/api/two-factor/login", {
      key: null,
      body: { twoFactorId: start.body.twoFactorId, code: start.body.code },
    });
    expect(r.status).toBe(200);
    expect(await lastUsed(key, u.userId)).toEqual([]); // no method named: nothing to mark
  });
});
