/**
 * Recovery codes (NIST SP 800-63B §5.1.2 look-up secrets) and numeric OOB codes: format, uniqueness,
 * alphabet, entropy arithmetic, normalisation of user input, and unbiased sampling, with injected
 * deterministic RandomBytes where the exact path matters.
 */
import { describe, expect, it } from "vitest";
import { randomBytes, type RandomBytes } from "../../src/domain/crypto.ts";
import { generateNumericCode } from "../../src/domain/otp-code.ts";
import {
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_COUNT,
  RECOVERY_CODE_ENTROPY_BITS,
  RECOVERY_CODE_LENGTH,
  generateRecoveryCodes,
  looksLikeRecoveryCode,
  normalizeRecoveryCode,
} from "../../src/domain/recovery-codes.ts";

/** Replays the given byte arrays in order, one per call. */
function scripted(...chunks: number[][]): RandomBytes {
  let i = 0;
  return (n) => {
    const chunk = chunks[i++];
    if (!chunk || chunk.length !== n) throw new Error(`scripted RandomBytes: unexpected request #${i} for ${n} bytes`);
    return Uint8Array.from(chunk);
  };
}

/** Deterministic stand-in for a uniform source (xorshift32); good enough for a distribution check. */
function seededRandom(seed: number): RandomBytes {
  let x = seed >>> 0 || 1;
  return (n) =>
    Uint8Array.from({ length: n }, () => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x >>> 24;
    });
}

const CODE_PATTERN = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{5}-[${RECOVERY_CODE_ALPHABET}]{5}$`);

describe("generateRecoveryCodes", () => {
  it("returns 10 unique XXXXX-XXXXX codes from the alphabet", () => {
    const codes = generateRecoveryCodes(randomBytes);
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(RECOVERY_CODE_COUNT).toBe(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(CODE_PATTERN);
  });

  it("the alphabet has 32 distinct symbols and no 0, O, 1 or I", () => {
    expect(RECOVERY_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(RECOVERY_CODE_ALPHABET).size).toBe(32);
    for (const ch of "0O1I") expect(RECOVERY_CODE_ALPHABET).not.toContain(ch);
  });

  it("carries 50 bits: log2(32) = 5 bits per symbol × 10 symbols (≥ NIST's 20-bit floor)", () => {
    expect(Math.log2(RECOVERY_CODE_ALPHABET.length)).toBe(5);
    expect(RECOVERY_CODE_LENGTH).toBe(10);
    expect(RECOVERY_CODE_ENTROPY_BITS).toBe(50);
    expect(RECOVERY_CODE_ENTROPY_BITS).toBeGreaterThanOrEqual(20);
  });

  it("maps each byte's low 5 bits to a symbol (unbiased: 256 = 8 × 32)", () => {
    const bytes = [0, 1, 2, 31, 32, 33, 63, 224, 255, 100];
    const [code] = generateRecoveryCodes(scripted(bytes), 1);
    const expected = bytes.map((b) => RECOVERY_CODE_ALPHABET[b & 31]).join("");
    expect(code).toBe(`${expected.slice(0, 5)}-${expected.slice(5)}`);
  });

  it("redraws a duplicate instead of returning it twice", () => {
    const a = Array(10).fill(1);
    const b = Array(10).fill(2);
    expect(generateRecoveryCodes(scripted(a, a, b), 2)).toEqual(["33333-33333", "44444-44444"]);
  });

  it("throws rather than loop forever when RandomBytes repeats itself", () => {
    expect(() => generateRecoveryCodes(() => new Uint8Array(10), 2)).toThrow();
  });

  it("uses every symbol across many codes", () => {
    const seen = new Set(generateRecoveryCodes(randomBytes, 200).join("").replaceAll("-", ""));
    expect(seen.size).toBe(32);
  });
});

describe("normalizeRecoveryCode", () => {
  it.each([
    ["ABCDE-FGHJK", "ABCDE-FGHJK"],
    ["abcde-fghjk", "ABCDE-FGHJK"],
    ["ABCDEFGHJK", "ABCDE-FGHJK"],
    ["abcde fghjk", "ABCDE-FGHJK"],
    ["  23456-789ab \n", "23456-789AB"],
    ["\tzzzzz-22222\t", "ZZZZZ-22222"],
  ])("%j → %s", (input, expected) => {
    expect(normalizeRecoveryCode(input)).toBe(expected);
    expect(looksLikeRecoveryCode(input)).toBe(true);
  });

  it.each([
    ["0 (zero, not in the alphabet)", "ABCDE-FGH0K"],
    ["O (letter, not in the alphabet)", "ABCDE-FGHOK"],
    ["1 (one)", "ABCDE-FGH1K"],
    ["I (letter)", "ABCDE-FGHIK"],
    ["lower-case o", "abcde-fghok"],
    ["lower-case i", "abcde-fghik"],
    ["too short", "ABCDE-FGHJ"],
    ["too long", "ABCDE-FGHJKL"],
    ["hyphen in the wrong place", "ABCD-EFGHJK"],
    ["two separators", "ABCDE--FGHJK"],
    ["separator inside a group", "AB-CDEFGHJ"],
    ["other punctuation", "ABCDE_FGHJK"],
    ["long s that upper-cases to S", "ABCDE-FGHJ\u017f"],
    ["dotless i that upper-cases to I", "ABCDE-FGHJ\u0131"],
    ["full-width letters", "\uff21BCDE-FGHJK"],
    ["empty", ""],
    ["a 6-digit TOTP code", "123456"],
    ["huge input", "A".repeat(10_000)],
  ])("rejects %s", (_label, input) => {
    expect(normalizeRecoveryCode(input)).toBeNull();
    expect(looksLikeRecoveryCode(input)).toBe(false);
  });

  it("is idempotent on generated codes", () => {
    for (const code of generateRecoveryCodes(randomBytes)) {
      expect(normalizeRecoveryCode(code)).toBe(code);
      expect(normalizeRecoveryCode(code.toLowerCase().replace("-", ""))).toBe(code);
    }
  });
});

describe("generateNumericCode", () => {
  it("returns `digits` ASCII digits", () => {
    for (const digits of [6, 7, 8, 9])
      expect(generateNumericCode(randomBytes, digits)).toMatch(new RegExp(`^[0-9]{${digits}}$`));
    expect(generateNumericCode(randomBytes)).toMatch(/^[0-9]{6}$/);
  });

  it("left-pads small values", () => {
    expect(generateNumericCode(scripted([0, 0, 0, 42]))).toBe("000042");
    expect(generateNumericCode(scripted([0, 0, 0, 0]))).toBe("000000");
  });

  it("reduces an accepted uint32 modulo 10^digits (big-endian)", () => {
    // 0x00BC614E = 12,345,678 → 345678 with 6 digits, 12345678 with 8
    expect(generateNumericCode(scripted([0x00, 0xbc, 0x61, 0x4e]))).toBe("345678");
    expect(generateNumericCode(scripted([0x00, 0xbc, 0x61, 0x4e]), 8)).toBe("12345678");
  });

  it("rejection sampling: a value in the biased tail (≥ 4,294,000,000) is discarded and redrawn", () => {
    // 2^32 − 1 = 4,294,967,295 ≥ floor(2^32 / 10^6)·10^6 = 4,294,000,000: taking it mod 10^6 would
    // favour 000000..967295. 4,294,000,000 (0xFFF13D80) is the first rejected value, 4,293,999,999 the last kept.
    const random = scripted([0xff, 0xff, 0xff, 0xff], [0xff, 0xf1, 0x3d, 0x80], [0x00, 0x00, 0x00, 0x07]);
    expect(generateNumericCode(random)).toBe("000007");
    expect(generateNumericCode(scripted([0xff, 0xf1, 0x3d, 0x7f]))).toBe("999999");
  });

  it("throws when RandomBytes only ever returns rejected values", () => {
    expect(() => generateNumericCode(() => new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toThrow();
  });

  it("refuses fewer than 6 or more than 9 digits", () => {
    expect(() => generateNumericCode(randomBytes, 5)).toThrow(RangeError);
    expect(() => generateNumericCode(randomBytes, 10)).toThrow(RangeError);
  });

  it("distribution sanity: every digit position is roughly uniform (seeded PRNG, so not flaky)", () => {
    const random = seededRandom(0x9e3779b9);
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < 20_000; i++)
      for (const [pos, d] of [...generateNumericCode(random)].entries()) counts[pos]![Number(d)]!++;
    for (const position of counts) {
      // χ² with 9 degrees of freedom; 27.9 is the 0.999 quantile.
      const chi2 = position.reduce((sum, c) => sum + (c - 2000) ** 2 / 2000, 0);
      expect(chi2).toBeLessThan(27.9);
    }
  });
});
