/**
 * The webhook signature scheme (src/domain/webhook-signature.ts) and retry schedule
 * (src/domain/webhook-backoff.ts) as pure functions with fixed clocks.
 *
 * Threats: a forged or altered delivery (the HMAC must cover timestamp and body and be compared in
 * constant time), a replayed one (the timestamp must be within tolerance, both directions), and a
 * parser that accepts junk. The HMAC is cross-checked against WebCrypto directly.
 */
import { describe, expect, it } from "vitest";
import { MAX_DELIVERY_ATTEMPTS, nextAttempt, retryDelaySeconds } from "../../src/domain/webhook-backoff.ts";
import { signPayload, verifySignature } from "../../src/domain/webhook-signature.ts";

const SECRET = "s3cr3t-0123456789abcdefghijklmnopqrstuvwxyzAB";
const BODY = JSON.stringify({ event: { id: "e1", type: "user.login.success" } });
const T = 1_800_000_000;

async function webCryptoHex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("signPayload", () => {
  it("is t=<seconds>,v1=<hex HMAC-SHA-256(secret, t.body)>", async () => {
    expect(await signPayload(SECRET, BODY, T)).toBe(`t=${T},v1=${await webCryptoHex(SECRET, `${T}.${BODY}`)}`);
  });

  it("matches WebCrypto on random secrets and bodies", async () => {
    for (let i = 0; i < 20; i++) {
      const secret = crypto.randomUUID();
      const body = JSON.stringify({ n: i, r: crypto.randomUUID(), s: "ü€😀" });
      expect(await signPayload(secret, body, T + i)).toBe(
        `t=${T + i},v1=${await webCryptoHex(secret, `${T + i}.${body}`)}`,
      );
    }
  });

  it("refuses an empty secret and a non-integer time", async () => {
    await expect(signPayload("", BODY, T)).rejects.toThrow(TypeError);
    await expect(signPayload(SECRET, BODY, 1.5)).rejects.toThrow(TypeError);
  });
});

describe("verifySignature", () => {
  it("accepts its own signature within the tolerance, both directions, up to the edge", async () => {
    const header = await signPayload(SECRET, BODY, T);
    for (const now of [T, T + 300, T - 300])
      expect(await verifySignature(SECRET, BODY, header, now)).toEqual({ ok: true, timestamp: T });
  });

  it("refuses a stale or future timestamp beyond the tolerance", async () => {
    const header = await signPayload(SECRET, BODY, T);
    for (const now of [T + 301, T - 301])
      expect(await verifySignature(SECRET, BODY, header, now)).toEqual({
        ok: false,
        reason: "timestamp_out_of_tolerance",
      });
    expect(await verifySignature(SECRET, BODY, header, T + 60, 30)).toEqual({
      ok: false,
      reason: "timestamp_out_of_tolerance",
    });
  });

  it("refuses a tampered body, a wrong secret and a re-dated signature", async () => {
    const header = await signPayload(SECRET, BODY, T);
    expect(await verifySignature(SECRET, BODY.replace("e1", "e2"), header, T)).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(await verifySignature(`${SECRET}x`, BODY, header, T)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifySignature(SECRET, BODY, header.replace(`t=${T}`, `t=${T + 1}`), T)).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });

  it("accepts any matching v1 (several secrets during a rotation) and ignores unknown schemes", async () => {
    const good = (await signPayload(SECRET, BODY, T)).split("v1=")[1]!;
    expect(await verifySignature(SECRET, BODY, `t=${T},v0=abc,v1=${"0".repeat(64)},v1=${good}`, T)).toEqual({
      ok: true,
      timestamp: T,
    });
  });

  it("refuses malformed headers", async () => {
    const v1 = (await signPayload(SECRET, BODY, T)).split("v1=")[1]!;
    for (const header of [
      null,
      undefined,
      "",
      `v1=${v1}`,
      `t=${T}`,
      `t=abc,v1=${v1}`,
      `t=${T},t=${T},v1=${v1}`,
      `t=${T},v1=${v1.toUpperCase()}`,
      `t=${T},v1=${v1.slice(1)}`,
      `t=${T};v1=${v1}`,
      `t=-1,v1=${v1}`,
      `t=${T},v1=${v1},${"x".repeat(1100)}`,
    ]) {
      expect(await verifySignature(SECRET, BODY, header, T), String(header)).toEqual({
        ok: false,
        reason: "malformed",
      });
    }
    expect(await verifySignature("", BODY, `t=${T},v1=${v1}`, T)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("retry schedule", () => {
  it("waits 10 s · 4^(n-1) after failed attempt n", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(retryDelaySeconds)).toEqual([10, 40, 160, 640, 2560, 10240, 40960]);
  });

  it("jitters by ±20 %", () => {
    const now = 1_000_000;
    expect(nextAttempt(1, now, 0)).toEqual({ kind: "retry", at: now + 8000 });
    expect(nextAttempt(1, now, 0.5)).toEqual({ kind: "retry", at: now + 10_000 });
    expect(nextAttempt(3, now, 0.999999)).toEqual({ kind: "retry", at: now + 192_000 });
  });

  it(`gives up after ${MAX_DELIVERY_ATTEMPTS} attempts`, () => {
    expect(MAX_DELIVERY_ATTEMPTS).toBe(8);
    expect(nextAttempt(7, 0, 0.5).kind).toBe("retry");
    expect(nextAttempt(8, 0, 0.5)).toEqual({ kind: "failed" });
  });

  it("refuses misuse", () => {
    expect(() => retryDelaySeconds(0)).toThrow(RangeError);
    expect(() => nextAttempt(1, 0, 1)).toThrow(RangeError);
    expect(() => nextAttempt(1, 0, -0.1)).toThrow(RangeError);
  });
});
