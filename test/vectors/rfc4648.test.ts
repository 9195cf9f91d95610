/**
 * RFC 4648 §10 test vectors (https://www.rfc-editor.org/rfc/rfc4648#section-10) for Base32 and
 * Base64, plus the §5 Base64url and §8 Base16 variants. Our Base32 encoder omits padding (Key URI
 * format), so its expected output is the §10 value with `=` stripped; the decoder accepts both.
 */
import { describe, expect, it } from "vitest";
import {
  base32Decode,
  base32Encode,
  base64Decode,
  base64Encode,
  base64UrlDecode,
  base64UrlEncode,
  hexDecode,
  hexEncode,
  utf8,
} from "../../src/domain/encoding.ts";

const BASE32: readonly [string, string][] = [
  ["", ""],
  ["f", "MY======"],
  ["fo", "MZXQ===="],
  ["foo", "MZXW6==="],
  ["foob", "MZXW6YQ="],
  ["fooba", "MZXW6YTB"],
  ["foobar", "MZXW6YTBOI======"],
];

const BASE64: readonly [string, string][] = [
  ["", ""],
  ["f", "Zg=="],
  ["fo", "Zm8="],
  ["foo", "Zm9v"],
  ["foob", "Zm9vYg=="],
  ["fooba", "Zm9vYmE="],
  ["foobar", "Zm9vYmFy"],
];

const BASE16: readonly [string, string][] = [
  ["", ""],
  ["f", "66"],
  ["foobar", "666f6f626172"],
];

describe("RFC 4648 §10 Base32", () => {
  it.each(BASE32)("%j ↔ %s", (plain, encoded) => {
    expect(base32Encode(utf8(plain))).toBe(encoded.replace(/=+$/, ""));
    expect(base32Decode(encoded)).toEqual(utf8(plain));
    expect(base32Decode(encoded.replace(/=+$/, ""))).toEqual(utf8(plain));
  });

  it("decodes lower case and ignores spaces (secrets shown in groups)", () => {
    expect(base32Decode("mzxw 6ytb oi")).toEqual(utf8("foobar"));
    expect(base32Decode("JBSWY3DPEHPK3PXP")).toEqual(
      new Uint8Array([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x21, 0xde, 0xad, 0xbe, 0xef]),
    );
  });

  it.each(["MZXW0YTB", "MZXW1YTB", "MZXW8YTB", "MZXW9YTB", "MZ=XW6YTB", "MZXW6YTB!", "MZXW6ſTB", "MZXW6YT\u0000"])(
    "rejects %j",
    (bad) => {
      expect(() => base32Decode(bad)).toThrow(TypeError);
    },
  );

  it.each(["M", "MZX", "MZXW6Y", "MZXW6YTBO"])("rejects the impossible length of %j", (bad) => {
    expect(() => base32Decode(bad)).toThrow(TypeError);
  });

  it("round-trips every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base32Decode(base32Encode(all))).toEqual(all);
  });
});

describe("RFC 4648 §10 Base64 and §5 Base64url", () => {
  it.each(BASE64)("%j ↔ %s", (plain, encoded) => {
    expect(base64Encode(utf8(plain))).toBe(encoded);
    expect(base64Decode(encoded)).toEqual(utf8(plain));
    expect(base64Decode(encoded.replace(/=+$/, ""))).toEqual(utf8(plain));
    expect(base64UrlEncode(utf8(plain))).toBe(encoded.replace(/=+$/, ""));
    expect(base64UrlDecode(encoded.replace(/=+$/, ""))).toEqual(utf8(plain));
  });

  it("uses + / in Base64 and - _ in Base64url", () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf]);
    expect(base64Encode(bytes)).toBe("+/+/");
    expect(base64UrlEncode(bytes)).toBe("-_-_");
    expect(base64UrlDecode("-_-_")).toEqual(bytes);
    expect(() => base64Decode("-_-_")).toThrow(TypeError);
    expect(() => base64UrlDecode("+/+/")).toThrow(TypeError);
  });

  it.each(["Zm9v!", "Zm9v Yg=", "Z", "Zg=", "Zg===", "Zm=9v", "Zm9vY", "Zm9v\u00e9"])("Base64 rejects %j", (bad) => {
    expect(() => base64Decode(bad)).toThrow(TypeError);
  });

  it("round-trips every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(base64Decode(base64Encode(all))).toEqual(all);
    expect(base64UrlDecode(base64UrlEncode(all))).toEqual(all);
  });
});

describe("RFC 4648 §10 Base16", () => {
  it.each(BASE16)("%j ↔ %s", (plain, encoded) => {
    expect(hexEncode(utf8(plain))).toBe(encoded);
    expect(hexDecode(encoded)).toEqual(utf8(plain));
    expect(hexDecode(encoded.toUpperCase())).toEqual(utf8(plain));
  });

  it.each(["6", "6g", "0x66", "6 6f"])("rejects %j", (bad) => {
    expect(() => hexDecode(bad)).toThrow(TypeError);
  });
});
