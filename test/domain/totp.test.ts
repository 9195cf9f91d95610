/**
 * TOTP verification policy (RFC 6238 §5.2): ±1 step of drift and no more, single acceptance of a
 * step (replay of the same or an older step is refused, a later step still works), strict
 * 6-ASCII-digit input, and the Key URI shape. All times are fixed; nothing reads the clock.
 */
import * as OTPAuth from "otpauth";
import { describe, expect, it, vi } from "vitest";
import { base32Decode, base32Encode } from "../../src/domain/encoding.ts";
import { randomBytes } from "../../src/domain/crypto.ts";
import {
  TOTP_ALLOWED_DRIFT_STEPS,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  TOTP_SECRET_BYTES,
  buildOtpauthURI,
  generateTOTP,
  matchTOTP,
  totpStep,
} from "../../src/domain/totp.ts";

const KEY = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff);
const NOW = 1_700_000_015; // mid-step, fixed
const STEP = totpStep(NOW);
const codeAt = (offsetSteps: number, key = KEY) => generateTOTP(key, NOW + offsetSteps * TOTP_PERIOD_SECONDS);

describe("policy constants", () => {
  it("match RFC 6238 §5.2 and RFC 4226 §4 R6", () => {
    expect(TOTP_PERIOD_SECONDS).toBe(30);
    expect(TOTP_DIGITS).toBe(6);
    expect(TOTP_ALLOWED_DRIFT_STEPS).toBe(1);
    expect(TOTP_SECRET_BYTES * 8).toBeGreaterThanOrEqual(160);
  });

  it("totpStep floors (unixTime − 0) / 30", () => {
    expect(totpStep(0)).toBe(0);
    expect(totpStep(29.999)).toBe(0);
    expect(totpStep(30)).toBe(1);
    expect(() => totpStep(-1)).toThrow(RangeError);
    expect(() => totpStep(Number.NaN)).toThrow(RangeError);
  });
});

describe("skew", () => {
  it.each([-1, 0, 1])("accepts the code for step t%+d and reports that step", async (offset) => {
    expect(await matchTOTP(KEY, await codeAt(offset), NOW, null)).toEqual({ ok: true, step: STEP + offset });
  });

  it.each([-2, 2, -3, 3])("rejects the code for step t%+d as a mismatch", async (offset) => {
    expect(await matchTOTP(KEY, await codeAt(offset), NOW, null)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("accepts any second inside the current step", async () => {
    const start = STEP * TOTP_PERIOD_SECONDS;
    const code = await generateTOTP(KEY, start);
    expect(await matchTOTP(KEY, code, start + 29, null)).toEqual({ ok: true, step: STEP });
  });

  it("does not try negative steps at the epoch", async () => {
    expect(await matchTOTP(KEY, await generateTOTP(KEY, 0), 0, null)).toEqual({ ok: true, step: 0 });
  });

  it("rejects a code generated with another key", async () => {
    const other = KEY.map((b) => b ^ 1);
    expect(await matchTOTP(KEY, await codeAt(0, other), NOW, null)).toEqual({ ok: false, reason: "mismatch" });
  });
});

describe("replay", () => {
  it("refuses the step that was just accepted", async () => {
    const code = await codeAt(0);
    const first = await matchTOTP(KEY, code, NOW, null);
    expect(first).toEqual({ ok: true, step: STEP });
    expect(await matchTOTP(KEY, code, NOW, STEP)).toEqual({ ok: false, reason: "replayed" });
  });

  it("refuses an older step inside the window once a later one was accepted", async () => {
    expect(await matchTOTP(KEY, await codeAt(-1), NOW, STEP)).toEqual({ ok: false, reason: "replayed" });
    expect(await matchTOTP(KEY, await codeAt(0), NOW, STEP + 1)).toEqual({ ok: false, reason: "replayed" });
  });

  it("still accepts a later, unused step", async () => {
    expect(await matchTOTP(KEY, await codeAt(1), NOW, STEP)).toEqual({ ok: true, step: STEP + 1 });
    expect(await matchTOTP(KEY, await codeAt(0), NOW, STEP - 1)).toEqual({ ok: true, step: STEP });
  });

  it("the same code replayed in the next period is refused (it now matches t−1 ≤ last)", async () => {
    const code = await codeAt(0);
    expect(await matchTOTP(KEY, code, NOW + TOTP_PERIOD_SECONDS, STEP)).toEqual({ ok: false, reason: "replayed" });
  });

  // Collisions found offline for KEY: the 6-digit codes of steps 1492273 and 1492274 are both
  // "296461", and those of steps 307079 and 307081 are both "127666".
  it("when the digits match a used and an unused step, the later unused step wins", async () => {
    const s = 1_492_273;
    expect(await generateTOTP(KEY, s * 30)).toBe("296461");
    expect(await generateTOTP(KEY, (s + 1) * 30)).toBe("296461");
    expect(await matchTOTP(KEY, "296461", s * 30, s)).toEqual({ ok: true, step: s + 1 });
    expect(await matchTOTP(KEY, "296461", (s + 1) * 30, s)).toEqual({ ok: true, step: s + 1 });
    expect(await matchTOTP(KEY, "296461", (s + 1) * 30, s + 1)).toEqual({ ok: false, reason: "replayed" });
  });

  it("when the digits match two unused steps, the highest is taken so neither can be replayed", async () => {
    const s = 307_079;
    expect(await generateTOTP(KEY, s * 30)).toBe("127666");
    expect(await generateTOTP(KEY, (s + 2) * 30)).toBe("127666");
    const first = await matchTOTP(KEY, "127666", (s + 1) * 30, null);
    expect(first).toEqual({ ok: true, step: s + 2 });
    expect(await matchTOTP(KEY, "127666", (s + 1) * 30, s + 2)).toEqual({ ok: false, reason: "replayed" });
  });
});

describe("malformed input is refused before any HMAC", () => {
  it.each([
    ["5 digits", "12345"],
    ["7 digits", "1234567"],
    ["letters", "12a456"],
    ["Arabic-Indic digits", "\u0661\u0662\u0663\u0664\u0665\u0666"],
    ["full-width digits", "\uff11\uff12\uff13\uff14\uff15\uff16"],
    ["leading space", " 123456"],
    ["trailing newline", "123456\n"],
    ["inner space", "123 456"],
    ["sign", "+12345"],
    ["empty", ""],
  ])("%s", async (_label, code) => {
    const sign = vi.spyOn(crypto.subtle, "sign");
    try {
      expect(await matchTOTP(KEY, code, NOW, null)).toEqual({ ok: false, reason: "malformed" });
      expect(sign).not.toHaveBeenCalled();
    } finally {
      sign.mockRestore();
    }
  });

  it("control: a well-formed code does reach crypto.subtle.sign (the spy above is live)", async () => {
    const sign = vi.spyOn(crypto.subtle, "sign");
    try {
      await matchTOTP(KEY, "000000", NOW + 7 * TOTP_PERIOD_SECONDS, null);
      expect(sign).toHaveBeenCalledTimes(3);
    } finally {
      sign.mockRestore();
    }
  });

  it("the correct code with surrounding whitespace is still malformed (no silent trimming)", async () => {
    expect(await matchTOTP(KEY, ` ${await codeAt(0)} `, NOW, null)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("secrets and the otpauth URI", () => {
  it("a fresh secret has 20 bytes (160 bits) and round-trips through Base32 (32 chars, no padding)", () => {
    const secret = randomBytes(TOTP_SECRET_BYTES);
    const text = base32Encode(secret);
    expect(secret).toHaveLength(20);
    expect(text).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(text)).toEqual(secret);
  });

  it("works with a 20-byte secret at the current step", async () => {
    const secret = randomBytes(TOTP_SECRET_BYTES);
    const code = await generateTOTP(secret, NOW);
    expect(code).toMatch(/^[0-9]{6}$/);
    expect(await matchTOTP(secret, code, NOW, null)).toEqual({ ok: true, step: STEP });
  });

  it("follows the Key URI format with explicit defaults", () => {
    expect(
      buildOtpauthURI({
        issuer: "ACME Co",
        account: "john.doe@email.com",
        secretBase32: "HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ",
      }),
    ).toBe(
      "otpauth://totp/ACME%20Co:john.doe%40email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30",
    );
  });

  it("parses back: label, issuer parameter and secret agree", () => {
    const uri = new URL(
      buildOtpauthURI({ issuer: "Ex:ample & Co", account: "a:b?c", secretBase32: "JBSWY3DPEHPK3PXP" }),
    );
    expect(uri.protocol).toBe("otpauth:");
    const label = uri.pathname.replace(/^\/\/totp\//, "").replace(/^\//, "");
    const [issuerPart, accountPart, ...rest] = label.split(":");
    expect(rest).toEqual([]);
    // Key URI Format: no colon inside the label's parts, literal or %3A (parsers split on both).
    expect(decodeURIComponent(issuerPart!)).toBe("Example & Co");
    expect(decodeURIComponent(accountPart!)).toBe("ab?c");
    expect(uri.searchParams.get("issuer")).toBe("Ex:ample & Co");
    expect(uri.searchParams.get("secret")).toBe("JBSWY3DPEHPK3PXP");
    expect(uri.searchParams.get("algorithm")).toBe("SHA1");
    expect(uri.searchParams.get("digits")).toBe("6");
    expect(uri.searchParams.get("period")).toBe("30");
  });

  it("a URL issuer reads back unambiguously in an independent parser (otpauth)", () => {
    const uri = buildOtpauthURI({
      issuer: "https://login.example.test",
      account: "ada@example.com",
      secretBase32: "JBSWY3DPEHPK3PXP",
    });
    const parsed = OTPAuth.URI.parse(uri);
    expect(parsed.label).toBe("ada@example.com");
    expect(parsed.issuer).toBe("https://login.example.test");
    expect(new URL(uri).pathname).toContain("login.example.test:ada%40example.com");
  });

  it("refuses a secret that is not Base32 and empty labels", () => {
    expect(() => buildOtpauthURI({ issuer: "X", account: "y", secretBase32: "JBSW1" })).toThrow(TypeError);
    expect(() => buildOtpauthURI({ issuer: "", account: "y", secretBase32: "JBSWY3DP" })).toThrow(TypeError);
    expect(() => buildOtpauthURI({ issuer: "X", account: "", secretBase32: "JBSWY3DP" })).toThrow(TypeError);
  });
});
