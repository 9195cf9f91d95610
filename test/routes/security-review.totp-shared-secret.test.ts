/**
 * One TOTP code, one use per user and time step (RFC 6238 §5.2), even when the user has two
 * authenticator methods holding the same key (possible through the API: the enable call takes the
 * secret). The last-used step is kept per method, so without a rule across methods the second method
 * accepted the code the first had just spent.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { call, enrolledUser, loginFor242, nextStep, seedTenant, totp } from "../support/mfa.ts";

beforeEach(() => nextStep());

async function twoMethodsOneSecret() {
  const { key } = await seedTenant();
  const u = await enrolledUser(key);
  const secret = (await call("GET", `/api/user/${u.userId}`, { key })).body;
  expect(secret.user.twoFactor.methods).toHaveLength(1);
  const again = await call("POST", `/api/user/two-factor/${u.userId}`, {
    key,
    body: {
      method: "authenticator",
      code: await totp(u.secretBase32),
      secretBase32Encoded: u.secretBase32,
    },
  });
  expect(again.status).toBe(200);
  expect((await call("GET", `/api/user/${u.userId}`, { key })).body.user.twoFactor.methods).toHaveLength(2);
  nextStep();
  return { key, u };
}

describe("a code spent on one method is not accepted by another holding the same key", () => {
  it("the second challenge refuses the code the first one accepted (421)", async () => {
    const { key, u } = await twoMethodsOneSecret();
    const code = await totp(u.secretBase32);
    const first = await loginFor242(key, u.email);
    const second = await loginFor242(key, u.email);
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: first, code } })).status).toBe(200);
    expect((await call("POST", "/api/two-factor/login", { body: { twoFactorId: second, code } })).status).toBe(421);
  });

  it("of eight parallel completions with one code, exactly one succeeds", async () => {
    const { key, u } = await twoMethodsOneSecret();
    const code = await totp(u.secretBase32);
    const ids = await Promise.all(Array.from({ length: 8 }, () => loginFor242(key, u.email)));
    const statuses = await Promise.all(
      ids.map(
        async (twoFactorId) => (await call("POST", "/api/two-factor/login", { body: { twoFactorId, code } })).status,
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // The others are refused as replays (421) until the failures lock the account (409, then 404 for
    // the challenges the lock ended).
    expect(statuses.filter((s) => s !== 200).every((s) => s === 421 || s === 409 || s === 404)).toBe(true);
    expect(statuses.filter((s) => s === 421).length).toBeGreaterThan(0);
  });
});
