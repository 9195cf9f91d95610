/**
 * RFC 6238 Appendix B test vectors (https://www.rfc-editor.org/rfc/rfc6238#appendix-B): TOTP with
 * T0 = 0, X = 30 s, 8 digits, for HMAC-SHA-1, -SHA-256 and -SHA-512. Per the erratum
 * (https://www.rfc-editor.org/errata/rfc6238) each mode uses its own seed: ASCII "1234567890"
 * repeated to 20, 32 and 64 bytes. T = 20000000000 needs a counter beyond 32-bit seconds (§4.2).
 */
import { describe, expect, it } from "vitest";
import { base32Decode, utf8 } from "../../src/domain/encoding.ts";
import { generateHOTP } from "../../src/domain/hotp.ts";
import { generateTOTP, totpStep } from "../../src/domain/totp.ts";

type Mode = "SHA-1" | "SHA-256" | "SHA-512";

const seed = (bytes: number) => utf8("1234567890".repeat(7).slice(0, bytes));
const SEEDS: Record<Mode, Uint8Array> = { "SHA-1": seed(20), "SHA-256": seed(32), "SHA-512": seed(64) };

const APPENDIX_B: readonly [time: number, stepHex: string, mode: Mode, totp: string][] = [
  [59, "0000000000000001", "SHA-1", "94287082"],
  [59, "0000000000000001", "SHA-256", "46119246"],
  [59, "0000000000000001", "SHA-512", "90693936"],
  [1111111109, "00000000023523EC", "SHA-1", "07081804"],
  [1111111109, "00000000023523EC", "SHA-256", "68084774"],
  [1111111109, "00000000023523EC", "SHA-512", "25091201"],
  [1111111111, "00000000023523ED", "SHA-1", "14050471"],
  [1111111111, "00000000023523ED", "SHA-256", "67062674"],
  [1111111111, "00000000023523ED", "SHA-512", "99943326"],
  [1234567890, "000000000273EF07", "SHA-1", "89005924"],
  [1234567890, "000000000273EF07", "SHA-256", "91819424"],
  [1234567890, "000000000273EF07", "SHA-512", "93441116"],
  [2000000000, "0000000003F940AA", "SHA-1", "69279037"],
  [2000000000, "0000000003F940AA", "SHA-256", "90698825"],
  [2000000000, "0000000003F940AA", "SHA-512", "38618901"],
  [20000000000, "0000000027BC86AA", "SHA-1", "65353130"],
  [20000000000, "0000000027BC86AA", "SHA-256", "77737706"],
  [20000000000, "0000000027BC86AA", "SHA-512", "47863826"],
];

describe("RFC 6238 Appendix B", () => {
  it.each(APPENDIX_B)("T=%i (step %s) %s → %s", async (time, stepHex, mode, expected) => {
    expect(totpStep(time)).toBe(Number.parseInt(stepHex, 16));
    expect(await generateTOTP(SEEDS[mode], time, { digits: 8, hash: mode })).toBe(expected);
  });

  it("the 6-digit code is the last 6 digits of the 8-digit value", async () => {
    expect(await generateTOTP(SEEDS["SHA-1"], 59)).toBe("287082");
  });

  it("the seeds' Base32 forms decode to the same bytes", () => {
    expect(base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")).toEqual(SEEDS["SHA-1"]);
    expect(base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA====")).toEqual(SEEDS["SHA-256"]);
  });

  it("counters above 2^32 use all 8 bytes (a 32-bit counter would wrap to step 0)", async () => {
    const wrapped = 2 ** 32;
    expect(await generateHOTP(SEEDS["SHA-1"], wrapped, 8)).not.toBe(await generateHOTP(SEEDS["SHA-1"], 0, 8));
    expect(await generateTOTP(SEEDS["SHA-1"], wrapped * 30, { digits: 8 })).toBe(
      await generateHOTP(SEEDS["SHA-1"], BigInt(wrapped), 8),
    );
  });

  it("the wrong (20-byte) seed for SHA-256 does not reproduce the table (erratum pitfall)", async () => {
    expect(await generateTOTP(SEEDS["SHA-1"], 59, { digits: 8, hash: "SHA-256" })).toBe("32247374");
  });
});
