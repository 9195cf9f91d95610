/**
 * A factor change revokes every step-up proof earned before it, even one issued in the same second
 * (found by the account/step-up review). Proofs carry the UserGuard's proof epoch, read when the
 * challenge completed; every factor change moves the epoch on, and only a proof of the current epoch
 * is consumed. A whole-second `iat` cannot order a proof and a change within one second.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { call, enrolledUser, nextStep, seedTenant, totp } from "../support/mfa.ts";

const ON = { multiFactorConfiguration: { stepUp: { requiredForSensitiveActions: true } } };
const HEADER = "x-edgemfa-trust-token";

beforeEach(() => nextStep());

async function stepUp(key: string, userId: string, trustChallenge: string): Promise<string> {
  const start = await call("POST", "/api/two-factor/start", { key, body: { userId, trustChallenge } });
  if (start.status !== 200) throw new Error(`start: ${start.status} ${start.text}`);
  const done = await call("POST", "/api/two-factor/login", {
    body: { twoFactorId: start.body.twoFactorId, code: start.body.code },
  });
  if (done.status !== 200) throw new Error(`login: ${done.status} ${done.text}`);
  return done.body.trustToken;
}

const regenerate = (key: string, userId: string, proof: string) =>
  call("POST", `/api/user/two-factor/recovery-code/${userId}`, {
    key,
    raw: "",
    headers: { "content-type": "text/plain", [HEADER]: proof },
  });

/** A factor change: a second authenticator, added behind its own step-up. */
async function addAuthenticator(key: string, userId: string) {
  const secret = await call("GET", "/api/two-factor/secret", { key });
  return call("POST", `/api/user/two-factor/${userId}`, {
    key,
    headers: { [HEADER]: await stepUp(key, userId, "mfa:add-method") },
    body: { method: "authenticator", code: await totp(secret.body.secretBase32Encoded), secret: secret.body.secret },
  });
}

describe("step-up proofs and factor changes in the same second", () => {
  it("a proof earned before a factor change is refused even when both happened in the same second", async () => {
    const { key } = await seedTenant(ON);
    const u = await enrolledUser(key);
    const earlier = await stepUp(key, u.userId, "mfa:regenerate-recovery-codes");
    // The clock does not move: the change happens in the second the proof was issued.
    expect((await addAuthenticator(key, u.userId)).status).toBe(200);
    const refused = await regenerate(key, u.userId, earlier);
    expect(refused.status).toBe(400);
    expect(refused.body.generalErrors[0].code).toBe("[TrustTokenRequired]");
  });

  it("a proof earned after the change, in that same second, is accepted", async () => {
    const { key } = await seedTenant(ON);
    const u = await enrolledUser(key);
    expect((await addAuthenticator(key, u.userId)).status).toBe(200);
    const later = await stepUp(key, u.userId, "mfa:regenerate-recovery-codes");
    expect((await regenerate(key, u.userId, later)).status).toBe(200);
  });
});
