/**
 * WebCrypto wrapper: AES-256-GCM at rest (round trip, AAD binding, unknown key id, rotation, tamper),
 * keyring parsing, constant-time comparison, and a differential test of HMAC/SHA-256 against direct
 * crypto.subtle calls on random inputs.
 */
import { describe, expect, it } from "vitest";
import {
  constantTimeEqual,
  decryptSecret,
  encryptSecret,
  hmac,
  hmacSHA256,
  parseKeyring,
  randomBytes,
  sha256,
  type EncryptionKeyring,
} from "../../src/domain/crypto.ts";
import { base64Encode, base64UrlDecode, base64UrlEncode, hexEncode, utf8 } from "../../src/domain/encoding.ts";

const key = (fill: number) => new Uint8Array(32).fill(fill);
const RING: EncryptionKeyring = { current: "k1", keys: { k1: key(1) } };
const AAD = "factor:ABCD:user:u-1";
const SECRET = utf8("twenty-byte-secret!!");

describe("AES-GCM secrets at rest", () => {
  it("round-trips and writes v1.<kid>.<iv>.<ciphertext>", async () => {
    const stored = await encryptSecret(RING, SECRET, AAD, randomBytes);
    const [version, kid, iv, ct] = stored.split(".");
    expect(version).toBe("v1");
    expect(kid).toBe("k1");
    expect(base64UrlDecode(iv!)).toHaveLength(12);
    expect(base64UrlDecode(ct!)).toHaveLength(SECRET.length + 16);
    expect(await decryptSecret(RING, stored, AAD)).toEqual(SECRET);
  });

  it("uses a fresh IV each time", async () => {
    const a = await encryptSecret(RING, SECRET, AAD, randomBytes);
    const b = await encryptSecret(RING, SECRET, AAD, randomBytes);
    expect(a).not.toBe(b);
  });

  it("fails with the wrong AAD (a row moved to another user or factor)", async () => {
    const stored = await encryptSecret(RING, SECRET, AAD, randomBytes);
    await expect(decryptSecret(RING, stored, "factor:ABCD:user:u-2")).rejects.toThrow("authentication failed");
  });

  it("fails on a flipped ciphertext bit", async () => {
    const stored = await encryptSecret(RING, SECRET, AAD, randomBytes);
    const [v, kid, iv, ct] = stored.split(".");
    const bytes = base64UrlDecode(ct!);
    bytes[0]! ^= 1;
    await expect(decryptSecret(RING, [v, kid, iv, base64UrlEncode(bytes)].join("."), AAD)).rejects.toThrow(
      "authentication failed",
    );
  });

  it("fails on an unknown key id, including inherited property names", async () => {
    const stored = await encryptSecret(RING, SECRET, AAD, randomBytes);
    await expect(decryptSecret(RING, stored.replace(".k1.", ".k9."), AAD)).rejects.toThrow(TypeError);
    await expect(decryptSecret(RING, stored.replace(".k1.", ".constructor."), AAD)).rejects.toThrow(TypeError);
    await expect(decryptSecret(RING, stored.replace(".k1.", ".__proto__."), AAD)).rejects.toThrow(TypeError);
  });

  it.each([
    "",
    "v1",
    "v2.k1.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
    "v1.k1.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
    "v1.k1.AAAAAAAAAAAAAAAA.AAAA",
    "v1.k1.!!!!.AAAA",
    "v1.k1.a.b.c",
  ])("rejects the malformed value %j", async (bad) => {
    await expect(decryptSecret(RING, bad, AAD)).rejects.toThrow(TypeError);
  });

  it("rotation: values written under the old key still decrypt after a new key becomes current", async () => {
    const before = parseKeyring(`old:${base64Encode(key(7))}`);
    const stored = await encryptSecret(before, SECRET, AAD, randomBytes);
    const after = parseKeyring(`new:${base64Encode(key(8))},old:${base64Encode(key(7))}`);
    expect(after.current).toBe("new");
    expect(await decryptSecret(after, stored, AAD)).toEqual(SECRET);
    const rewritten = await encryptSecret(after, SECRET, AAD, randomBytes);
    expect(rewritten.split(".")[1]).toBe("new");
    expect(await decryptSecret(after, rewritten, AAD)).toEqual(SECRET);
    await expect(decryptSecret(before, rewritten, AAD)).rejects.toThrow(TypeError);
  });

  it("refuses a short IV from the injected RandomBytes", async () => {
    await expect(encryptSecret(RING, SECRET, AAD, () => new Uint8Array(8))).rejects.toThrow(RangeError);
  });
});

describe("parseKeyring", () => {
  it("takes the first entry as current and tolerates spaces", () => {
    const ring = parseKeyring(` a:${base64Encode(key(1))} , b:${base64Encode(key(2))}`);
    expect(ring.current).toBe("a");
    expect(Object.keys(ring.keys)).toEqual(["a", "b"]);
    expect(ring.keys.b).toEqual(key(2));
  });

  it.each([
    ["empty", ""],
    ["no colon", base64Encode(key(1))],
    ["short key", `a:${base64Encode(new Uint8Array(16))}`],
    ["long key", `a:${base64Encode(new Uint8Array(33))}`],
    ["not base64", "a:!!!!"],
    ["bad key id", `a.b:${base64Encode(key(1))}`],
    ["empty key id", `:${base64Encode(key(1))}`],
    ["duplicate key id", `a:${base64Encode(key(1))},a:${base64Encode(key(2))}`],
    ["trailing comma", `a:${base64Encode(key(1))},`],
  ])("rejects %s", (_label, spec) => {
    expect(() => parseKeyring(spec)).toThrow(TypeError);
  });
});

describe("constantTimeEqual", () => {
  it.each([
    [[], [], true],
    [[1, 2, 3], [1, 2, 3], true],
    [[1, 2, 3], [1, 2, 4], false],
    [[0, 2, 3], [1, 2, 3], false],
    [[1, 2, 3], [1, 2], false],
    [[1, 2], [1, 2, 0], false],
    [[], [0], false],
    [[0], [], false],
  ])("%j vs %j → %s", (a, b, expected) => {
    expect(constantTimeEqual(Uint8Array.from(a), Uint8Array.from(b))).toBe(expected);
  });

  it("detects a difference in any single bit", () => {
    const a = randomBytes(32);
    for (let bit = 0; bit < 256; bit++) {
      const b = a.slice();
      b[bit >> 3]! ^= 1 << (bit & 7);
      expect(constantTimeEqual(a, b)).toBe(false);
    }
  });
});

describe("differential: hmac and sha256 against crypto.subtle", () => {
  const direct = async (hash: string, k: Uint8Array, data: Uint8Array) => {
    const ck = await crypto.subtle.importKey("raw", k, { name: "HMAC", hash }, false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign("HMAC", ck, data));
  };

  it("hmacSHA256 agrees on 200 random (key, message) pairs of varied lengths", async () => {
    for (let i = 0; i < 200; i++) {
      const [kLen, mLen] = randomBytes(2);
      const k = randomBytes(1 + (kLen! >> 1) + (i % 3 === 0 ? 64 : 0));
      const m = randomBytes(mLen! + (i % 5 === 0 ? 300 : 0));
      expect(await hmacSHA256(k, m)).toEqual(await direct("SHA-256", k, m));
    }
  });

  it.each(["SHA-1", "SHA-256", "SHA-512"] as const)(
    "hmac(%s) agrees, including after the key array is mutated",
    async (hash) => {
      const k = randomBytes(40);
      const m = randomBytes(50);
      expect(await hmac(hash, k, m)).toEqual(await direct(hash, k, m));
      k[0]! ^= 0xff; // the key cache must notice; a stale CryptoKey would sign with the old bytes
      expect(await hmac(hash, k, m)).toEqual(await direct(hash, k, m));
    },
  );

  it("refuses an empty key (an unset pepper) with a clear error", async () => {
    await expect(hmacSHA256(new Uint8Array(0), utf8("x"))).rejects.toThrow("key must not be empty");
  });

  it("sha256 agrees on random inputs and the FIPS 180-2 'abc' vector", async () => {
    expect(hexEncode(await sha256(utf8("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    for (let i = 0; i < 50; i++) {
      const m = randomBytes(i * 7);
      expect(await sha256(m)).toEqual(new Uint8Array(await crypto.subtle.digest("SHA-256", m)));
    }
  });
});

describe("randomBytes", () => {
  it("returns the requested length, beyond the 65,536-byte getRandomValues limit too", () => {
    expect(randomBytes(0)).toHaveLength(0);
    expect(randomBytes(70_000)).toHaveLength(70_000);
    expect(() => randomBytes(-1)).toThrow(RangeError);
  });
});
