/**
 * Audit rows keep settings readable and hide secrets (src/services/audit.ts `redact`): a field is
 * redacted for what it holds, not because its name mentions a token or a key.
 */
import { describe, expect, it } from "vitest";
import { redact } from "../../src/services/audit.ts";

describe("audit redaction", () => {
  it("keeps settings that only name a token or a key: key ids, lifetimes, policies", () => {
    const settings = {
      jwtConfiguration: {
        accessTokenKeyId: "0e2d3c4b-1a2b-4c3d-8e9f-a0b1c2d3e4f5",
        idTokenKeyId: "0e2d3c4b-1a2b-4c3d-8e9f-a0b1c2d3e4f6",
        refreshTokenTimeToLiveInMinutes: 43_200,
        refreshTokenUsagePolicy: "OneTimeUse",
      },
      externalIdentifierConfiguration: { trustTokenTimeToLiveInSeconds: 180, twoFactorTrustIdTimeToLiveInSeconds: 60 },
      oauthConfiguration: { clientAuthenticationPolicy: "Required", generateRefreshTokens: true },
      sms: { allowedCallingCodes: ["44"] },
      signingKeyId: "k1",
      publicKey: "-----BEGIN PUBLIC KEY-----",
      keyCount: 2,
    };
    expect(redact(settings)).toEqual(settings);
  });

  it("hides secrets at any depth: secrets, passwords, tokens, keys, hashes, encrypted values", () => {
    const secrets = {
      clientSecret: "s",
      secret: "s",
      secretEnc: "s",
      password: "s",
      passwordHash: "s",
      keyHash: "s",
      key_hash: "s",
      key: "s",
      apiKey: "s",
      privateKey: "s",
      private_key: "s",
      encryptionKey: "s",
      recoveryCodes: ["a", "b"],
      pepper: "s",
      token: "s",
      refreshToken: "s",
      access_token: "s",
      twoFactorTrustId: "s",
    };
    const hidden = Object.fromEntries(Object.keys(secrets).map((k) => [k, "[redacted]"]));
    expect(redact({ outer: [{ inner: secrets }] })).toEqual({ outer: [{ inner: hidden }] });
  });

  it("leaves absent secrets absent", () => {
    expect(redact({ clientSecret: null, secret: undefined })).toEqual({ clientSecret: null, secret: undefined });
  });
});
