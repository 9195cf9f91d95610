/**
 * RFC 4226 Appendix D test values (https://www.rfc-editor.org/rfc/rfc4226#appendix-D): HOTP with
 * HMAC-SHA-1, 6 digits, secret = ASCII "12345678901234567890", counters 0..9.
 */
import { describe, expect, it } from "vitest";
import { generateHOTP } from "../../src/domain/hotp.ts";
import { utf8 } from "../../src/domain/encoding.ts";

const SECRET = utf8("12345678901234567890");

const APPENDIX_D: readonly [counter: number, hotp: string][] = [
  [0, "755224"],
  [1, "287082"],
  [2, "359152"],
  [3, "969429"],
  [4, "338314"],
  [5, "254676"],
  [6, "287922"],
  [7, "162583"],
  [8, "399871"],
  [9, "520489"],
];

describe("RFC 4226 Appendix D", () => {
  it.each(APPENDIX_D)("counter %i → %s", async (counter, expected) => {
    expect(await generateHOTP(SECRET, counter)).toBe(expected);
    expect(await generateHOTP(SECRET, BigInt(counter), 6, "SHA-1")).toBe(expected);
  });

  it("rejects counters outside 0..2^64-1 and non-integers", async () => {
    await expect(generateHOTP(SECRET, -1)).rejects.toThrow(RangeError);
    await expect(generateHOTP(SECRET, 1n << 64n)).rejects.toThrow(RangeError);
    await expect(generateHOTP(SECRET, 1.5)).rejects.toThrow(RangeError);
    await expect(generateHOTP(SECRET, (1n << 64n) - 1n)).resolves.toMatch(/^\d{6}$/);
  });

  it("rejects fewer than 6 digits (RFC 4226 §5.3 R4)", async () => {
    await expect(generateHOTP(SECRET, 0, 5)).rejects.toThrow(RangeError);
  });
});
