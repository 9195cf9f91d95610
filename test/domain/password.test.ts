/**
 * PBKDF2 password hashing: round trip, wrong password, tampering, rehash signal, the dummy hash used
 * to equalise timing for unknown users, and the production iteration cap. Production Workers reject
 * more than 100,000 PBKDF2 iterations while local workerd does not (workerd#1346), so the cap is
 * pinned here: a larger value would pass every other test and break every login in production.
 */
import { describe, expect, it } from "vitest";
import { randomBytes } from "../../src/domain/crypto.ts";
import { base64Decode, base64Encode } from "../../src/domain/encoding.ts";
import { DUMMY_PASSWORD_HASH, PBKDF2_ITERATIONS, hashPassword, verifyPassword } from "../../src/domain/password.ts";

const PASSWORD = "correct horse battery staple";
// Low iteration counts keep these tests fast; the format and logic do not depend on the count.
const FAST = 1_000;

describe("PBKDF2 iteration cap", () => {
  it("PBKDF2_ITERATIONS <= 100000 (Cloudflare production limit)", () => {
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
  });

  it("hashPassword refuses counts production cannot verify", async () => {
    await expect(hashPassword(PASSWORD, randomBytes, 100_001)).rejects.toThrow(RangeError);
    await expect(hashPassword(PASSWORD, randomBytes, 0)).rejects.toThrow(RangeError);
  });

  it("a stored hash above the cap is refused, not attempted", async () => {
    const stored = (await hashPassword(PASSWORD, randomBytes, FAST)).replace(`$${FAST}$`, "$600000$");
    expect(await verifyPassword(PASSWORD, stored)).toEqual({ ok: false, needsRehash: false });
  });
});

describe("hash and verify", () => {
  it("round-trips with the default count and writes pbkdf2-sha256$iter$salt$hash", async () => {
    const stored = await hashPassword(PASSWORD, randomBytes);
    const [scheme, iter, salt, hash] = stored.split("$");
    expect(scheme).toBe("pbkdf2-sha256");
    expect(Number(iter)).toBe(PBKDF2_ITERATIONS);
    expect(base64Decode(salt!)).toHaveLength(16);
    expect(base64Decode(hash!)).toHaveLength(32);
    expect(await verifyPassword(PASSWORD, stored)).toEqual({ ok: true, needsRehash: false });
  });

  it("salts: the same password hashes differently each time", async () => {
    expect(await hashPassword(PASSWORD, randomBytes, FAST)).not.toBe(await hashPassword(PASSWORD, randomBytes, FAST));
  });

  it("rejects a wrong password", async () => {
    const stored = await hashPassword(PASSWORD, randomBytes, FAST);
    expect(await verifyPassword("correct horse battery stapl", stored)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword("", stored)).toEqual({ ok: false, needsRehash: false });
  });

  it("asks for a rehash when a correct password was stored with another count", async () => {
    const stored = await hashPassword(PASSWORD, randomBytes, FAST);
    expect(await verifyPassword(PASSWORD, stored)).toEqual({ ok: true, needsRehash: true });
  });

  it("treats non-ASCII passwords as UTF-8 bytes", async () => {
    const stored = await hashPassword("pässwörd 🔑", randomBytes, FAST);
    expect((await verifyPassword("pässwörd 🔑", stored)).ok).toBe(true);
    expect((await verifyPassword("passwörd 🔑", stored)).ok).toBe(false);
  });
});

describe("tampering and unknown formats fail closed", () => {
  it("a modified hash, salt or iteration count does not verify", async () => {
    const stored = await hashPassword(PASSWORD, randomBytes, FAST);
    const [scheme, iter, salt, hash] = stored.split("$") as [string, string, string, string];
    const flip = (b64: string) => {
      const bytes = base64Decode(b64);
      bytes[0]! ^= 1;
      return base64Encode(bytes);
    };
    for (const tampered of [
      [scheme, iter, salt, flip(hash)],
      [scheme, iter, flip(salt), hash],
      [scheme, String(FAST + 1), salt, hash],
    ]) {
      expect((await verifyPassword(PASSWORD, tampered.join("$"))).ok).toBe(false);
    }
  });

  it.each([
    ["empty", ""],
    ["plain text", "correct horse battery staple"],
    ["unknown scheme", "bcrypt$10$abc$def"],
    ["sha1 scheme name", "pbkdf2-sha1$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
    ["missing part", "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA=="],
    ["extra part", "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$x"],
    ["non-numeric count", "pbkdf2-sha256$1e3$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
    ["zero count", "pbkdf2-sha256$0$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
    ["short salt", "pbkdf2-sha256$1000$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
    ["short hash", "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAA"],
    ["invalid base64", "pbkdf2-sha256$1000$!!!!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="],
  ])("%s → ok: false", async (_label, stored) => {
    expect(await verifyPassword(PASSWORD, stored)).toEqual({ ok: false, needsRehash: false });
  });
});

describe("DUMMY_PASSWORD_HASH", () => {
  it("is a well-formed hash at the production count that matches no likely input", async () => {
    expect(DUMMY_PASSWORD_HASH.split("$")[1]).toBe(String(PBKDF2_ITERATIONS));
    expect(await verifyPassword(PASSWORD, DUMMY_PASSWORD_HASH)).toEqual({ ok: false, needsRehash: false });
    expect(await verifyPassword("", DUMMY_PASSWORD_HASH)).toEqual({ ok: false, needsRehash: false });
  });
});
