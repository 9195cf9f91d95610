/**
 * Cross-check of generateTOTP against an independent implementation: oathtool from OATH Toolkit
 * (Debian package `oathtool`), run as `/usr/bin/oathtool --totp --base32 -N @<epoch> <secret>`.
 * Runs in the `node` vitest project because workerd cannot spawn processes. A missing oathtool is a
 * FAILURE with an install hint, never a skip: CI installs it, and a silent skip would hide a regression.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "../../src/domain/crypto.ts";
import { base32Encode } from "../../src/domain/encoding.ts";
import { generateTOTP } from "../../src/domain/totp.ts";

const OATHTOOL = "/usr/bin/oathtool";
const SECRET_COUNT = 20;
const FIXED_TIMES = [0, 59, 1_111_111_109, 1_234_567_890, 1_700_000_000, 2_000_000_000, 20_000_000_000];

type ExecFileSync = (file: string, args: readonly string[], options: { encoding: "utf8"; timeout: number }) => string;
// A computed specifier keeps Node's types out of the Worker-typed tsconfig (no @types/node in the repo).
const CHILD_PROCESS_MODULE: string = "node:child_process";
let execFileSync: ExecFileSync;

function oathtool(args: readonly string[]): string[] {
  return execFileSync(OATHTOOL, args, { encoding: "utf8", timeout: 10_000 }).trim().split("\n");
}

beforeAll(async () => {
  ({ execFileSync } = (await import(/* @vite-ignore */ CHILD_PROCESS_MODULE)) as { execFileSync: ExecFileSync });
  try {
    oathtool(["--version"]);
  } catch (cause) {
    throw new Error(`${OATHTOOL} is required for this test and could not be run; install it with "apt-get install oathtool"`, { cause });
  }
});

describe("generateTOTP agrees with oathtool", () => {
  const secrets = Array.from({ length: SECRET_COUNT }, () => randomBytes(20));
  const randomTimes = Array.from({ length: 3 }, () => Math.floor(Math.random() * 4_000_000_000));

  it.each(secrets.map((s, i) => [i, s] as const))("secret #%i: SHA-1, 6 digits, fixed and random times", async (_i, secret) => {
    const b32 = base32Encode(secret);
    for (const t of [...FIXED_TIMES, ...randomTimes]) {
      const [expected] = oathtool(["--totp", "--base32", "-N", `@${t}`, b32]);
      expect(await generateTOTP(secret, t), `t=${t} secret=${b32}`).toBe(expected);
    }
  });

  it("consecutive steps (oathtool -w 2) match t, t+30, t+60", async () => {
    const secret = secrets[0]!;
    const t = 1_700_000_000;
    const window = oathtool(["--totp", "--base32", "-w", "2", "-N", `@${t}`, base32Encode(secret)]);
    expect(window).toEqual([await generateTOTP(secret, t), await generateTOTP(secret, t + 30), await generateTOTP(secret, t + 60)]);
  });

  it.each([
    ["sha256", "SHA-256", 32],
    ["sha512", "SHA-512", 64],
  ] as const)("%s with 8 digits and a %i-byte secret", async (mode, hash, bytes) => {
    for (let i = 0; i < 5; i++) {
      const secret = randomBytes(bytes);
      const t = FIXED_TIMES[i]!;
      const [expected] = oathtool([`--totp=${mode}`, "--digits=8", "--base32", "-N", `@${t}`, base32Encode(secret)]);
      expect(await generateTOTP(secret, t, { digits: 8, hash })).toBe(expected);
    }
  });
});
