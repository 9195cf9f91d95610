/**
 * Cross-check of generateTOTP against independent implementations (test/support/oath.ts):
 *  - otpauth (npm), on every machine: this is the required cross-check;
 *  - oathtool from OATH Toolkit (`/usr/bin/oathtool --totp --base32 -N @<epoch> <secret>`) in addition,
 *    where it is installed. Its absence only drops that extra comparison; every test still runs and asserts.
 * Runs in the `node` vitest project because workerd cannot spawn processes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "../../src/domain/crypto.ts";
import { base32Encode } from "../../src/domain/encoding.ts";
import { generateTOTP } from "../../src/domain/totp.ts";
import { findOathtool, type Oathtool, otpauthTotp } from "../support/oath.ts";

const SECRET_COUNT = 20;
const FIXED_TIMES = [0, 59, 1_111_111_109, 1_234_567_890, 1_700_000_000, 2_000_000_000, 20_000_000_000];

let oathtool: Oathtool | undefined;

beforeAll(async () => {
  oathtool = await findOathtool();
});

describe("generateTOTP agrees with otpauth (always) and oathtool (where installed)", () => {
  const secrets = Array.from({ length: SECRET_COUNT }, () => randomBytes(20));
  const randomTimes = Array.from({ length: 3 }, () => Math.floor(Math.random() * 4_000_000_000));

  it.each(secrets.map((s, i) => [i, s] as const))(
    "secret #%i: SHA-1, 6 digits, fixed and random times",
    async (_i, secret) => {
      const b32 = base32Encode(secret);
      for (const t of [...FIXED_TIMES, ...randomTimes]) {
        const ours = await generateTOTP(secret, t);
        expect(ours, `otpauth t=${t} secret=${b32}`).toBe(otpauthTotp(b32, t));
        if (oathtool) {
          const [expected] = oathtool(["--totp", "--base32", "-N", `@${t}`, b32]);
          expect(ours, `oathtool t=${t} secret=${b32}`).toBe(expected);
        }
      }
    },
  );

  it("consecutive steps t, t+30, t+60 (oathtool -w 2 where installed)", async () => {
    const secret = secrets[0]!;
    const b32 = base32Encode(secret);
    const t = 1_700_000_000;
    const ours = [
      await generateTOTP(secret, t),
      await generateTOTP(secret, t + 30),
      await generateTOTP(secret, t + 60),
    ];
    expect(ours).toEqual([t, t + 30, t + 60].map((s) => otpauthTotp(b32, s)));
    if (oathtool) expect(oathtool(["--totp", "--base32", "-w", "2", "-N", `@${t}`, b32])).toEqual(ours);
  });

  it.each([
    ["sha256", "SHA-256", 32],
    ["sha512", "SHA-512", 64],
  ] as const)("%s with 8 digits and a %i-byte secret", async (mode, hash, bytes) => {
    for (let i = 0; i < 5; i++) {
      const secret = randomBytes(bytes);
      const b32 = base32Encode(secret);
      const t = FIXED_TIMES[i]!;
      const ours = await generateTOTP(secret, t, { digits: 8, hash });
      expect(ours, `otpauth ${hash} t=${t}`).toBe(otpauthTotp(b32, t, { digits: 8, hash }));
      if (oathtool) {
        const [expected] = oathtool([`--totp=${mode}`, "--digits=8", "--base32", "-N", `@${t}`, b32]);
        expect(ours, `oathtool ${hash} t=${t}`).toBe(expected);
      }
    }
  });

  it("otpauth reproduces the RFC 6238 Appendix B vectors (the cross-check itself is sound)", () => {
    // RFC 6238 Appendix B: SHA-1 seed "12345678901234567890", 8 digits.
    const seed = base32Encode(new TextEncoder().encode("12345678901234567890"));
    expect([59, 1_111_111_109, 1_234_567_890, 2_000_000_000].map((t) => otpauthTotp(seed, t, { digits: 8 }))).toEqual([
      "94287082",
      "07081804",
      "89005924",
      "69279037",
    ]);
  });
});
