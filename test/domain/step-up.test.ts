/** Step-up proofs (pure, src/domain/step-up.ts): which token claims pass, and the trustChallenge a set of actions needs. */
import { describe, expect, it } from "vitest";
import {
  judgeStepUpProof,
  proofEpochOf,
  STEP_UP_MAX_AGE_SECONDS,
  stepUpChallenge,
  userChangeActions,
} from "../../src/domain/step-up.ts";

const NOW = 1_800_000_000;
const expect_ = { tenantId: "t1", userId: "u1", challengeHash: "h-add" };
const good = { sub: "u1", tid: "t1", iat: NOW - 10, exp: NOW + 170, jti: "j1", tch: "h-add" };

describe("judgeStepUpProof", () => {
  it("accepts a fresh proof for this user and action, and says how long its consumption must be kept", () => {
    expect(judgeStepUpProof(good, expect_, NOW)).toEqual({
      ok: true,
      jti: "j1",
      issuedAt: NOW - 10,
      retainUntil: NOW + 171,
    });
  });

  it.each([
    ["another user", { sub: "u2" }, "other_user"],
    ["another tenant", { tid: "t2" }, "other_user"],
    ["another action", { tch: "h-delete" }, "other_action"],
    ["no trustChallenge (a login's trust token)", { tch: undefined }, "other_action"],
    ["expired", { exp: NOW }, "expired"],
    ["older than 5 minutes", { iat: NOW - STEP_UP_MAX_AGE_SECONDS - 1, exp: NOW + 600 }, "too_old"],
    ["issued in the future", { iat: NOW + 61 }, "too_old"],
    ["no jti", { jti: undefined }, "malformed"],
    ["no iat", { iat: undefined }, "malformed"],
  ] as const)("refuses %s", (_name, over, reason) => {
    expect(judgeStepUpProof({ ...good, ...over }, expect_, NOW)).toEqual({ ok: false, reason });
  });

  it("a proof exactly 5 minutes old still passes; its consumption is kept until it could no longer pass", () => {
    const v = judgeStepUpProof({ ...good, iat: NOW - STEP_UP_MAX_AGE_SECONDS, exp: NOW + 600 }, expect_, NOW);
    expect(v).toEqual({ ok: true, jti: "j1", issuedAt: NOW - STEP_UP_MAX_AGE_SECONDS, retainUntil: NOW + 1 });
  });
});

describe("trustChallenge of a request", () => {
  it("one action is its own name; several are sorted, deduplicated and space-separated", () => {
    expect(stepUpChallenge(["mfa:add-method"])).toBe("mfa:add-method");
    expect(stepUpChallenge(["user:change-password", "user:change-email", "user:change-email"])).toBe(
      "user:change-email user:change-password",
    );
  });

  it("an update is sensitive for what it changes; any password given counts", () => {
    const cur = { email: "a@example.com", mobilePhone: null };
    expect(userChangeActions(cur, { ...cur }, false)).toEqual([]);
    expect(userChangeActions(cur, { email: "b@example.com", mobilePhone: "+15555550100" }, true)).toEqual([
      "user:change-email",
      "user:change-phone",
      "user:change-password",
    ]);
    expect(userChangeActions(cur, { email: null, mobilePhone: null }, false)).toEqual(["user:change-email"]);
  });
});

describe("proofEpochOf", () => {
  it("reads the epoch a proof was earned in; a token without the claim is epoch 0; anything else is malformed", () => {
    expect(proofEpochOf({ sep: 3 })).toBe(3);
    expect(proofEpochOf({})).toBe(0);
    for (const sep of [-1, 1.5, "1", null, Number.MAX_VALUE, true]) expect(proofEpochOf({ sep })).toBeNull();
  });
});
