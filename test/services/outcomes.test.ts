/**
 * The login and challenge services answer domain outcomes (src/services/outcomes.ts), not HTTP
 * statuses or thrown ApiErrors: a caller (the API's src/routes/outcomes.ts, the hosted pages)
 * branches on `kind`. The wire answers for the same cases are covered by test/routes/*.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { passwordLogin } from "../../src/services/challenges.ts";
import { completeTwoFactor } from "../../src/services/complete-two-factor.ts";
import { publicTenant } from "../../src/services/public-tenant.ts";
import { tenantContext } from "../../src/services/tenant-context.ts";
import { trustStatus } from "../../src/services/trust.ts";
import { startTwoFactor } from "../../src/services/two-factor-start.ts";
import { enrolledUser, nextStep, PASSWORD, seedTenant, totp } from "../support/mfa.ts";
import { testServices } from "../support/services.ts";

beforeEach(() => nextStep());

async function setup() {
  const { key, tenantId } = await seedTenant();
  const u = await enrolledUser(key);
  const s = testServices();
  const row = await publicTenant(s, tenantId);
  if (!row) throw new Error("tenant");
  return { s, ctx: tenantContext(row), u };
}

describe("login and challenge services answer outcomes", () => {
  it("passwordLogin: refused for a wrong password or an unknown user, two-factor-required for an enrolled user", async () => {
    const { s, ctx, u } = await setup();
    expect(await passwordLogin(s, ctx, { loginId: u.email, password: "wrong password" })).toEqual({ kind: "refused" });
    expect(await passwordLogin(s, ctx, { loginId: "nobody@example.com", password: PASSWORD })).toEqual({
      kind: "refused",
    });
    const out = await passwordLogin(s, ctx, { loginId: u.email, password: PASSWORD });
    expect(out).toMatchObject({ kind: "two-factor-required", body: { twoFactorId: expect.any(String) } });
  });

  it("completeTwoFactor: not-found, invalid-code, then complete with the token", async () => {
    const { s, ctx, u } = await setup();
    expect(await completeTwoFactor(s, { twoFactorId: "no-such-challenge", code: "123456" }, null)).toEqual({
      kind: "not-found",
    });
    const login = await passwordLogin(s, ctx, { loginId: u.email, password: PASSWORD });
    if (login.kind !== "two-factor-required") throw new Error(login.kind);
    const { twoFactorId } = login.body;
    expect(await completeTwoFactor(s, { twoFactorId, code: "000000" }, null)).toEqual({ kind: "invalid-code" });
    const done = await completeTwoFactor(s, { twoFactorId, code: await totp(u.secretBase32) }, null);
    expect(done).toMatchObject({ kind: "complete", body: { token: expect.any(String) }, trust: null });
  });

  it("startTwoFactor and trustStatus: not-found for an unknown user, started / challenge-required otherwise", async () => {
    const { s, ctx, u } = await setup();
    const nobody = crypto.randomUUID();
    expect(await startTwoFactor(s, ctx, { userId: nobody })).toEqual({ kind: "not-found" });
    expect(await trustStatus(s, ctx, { userId: nobody })).toEqual({ kind: "not-found" });
    expect(await startTwoFactor(s, ctx, { userId: u.userId })).toMatchObject({
      kind: "started",
      body: { code: expect.any(String), twoFactorId: expect.any(String) },
    });
    expect(await trustStatus(s, ctx, { userId: u.userId })).toMatchObject({ kind: "challenge-required" });
  });
});
