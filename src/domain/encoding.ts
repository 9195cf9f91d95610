/**
 * Byte ↔ text encodings used by the domain: Base32 (TOTP secrets), Base64 and Base64url (stored
 * ciphertexts, hashes, tokens), hex (digests) and UTF-8.
 *
 * Owns: RFC 4648 encoders and strict decoders. Must never: touch crypto, the clock or the RNG, or
 * silently accept characters outside an alphabet (RFC 4648 §3.3) — every decoder throws a
 * TypeError on invalid input so callers can turn it into a 400 fieldError.
 */

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX_ALPHABET = "0123456789abcdef";

/** Maps an ASCII char code to its value in `alphabet`, -1 elsewhere (non-ASCII is always -1). */
function reverseTable(alphabet: string): Int16Array {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}

/** Case-insensitive by table rather than toUpperCase(), which maps non-ASCII "ſ" to "S". */
const BASE32_REVERSE = reverseTable(BASE32_ALPHABET);
for (let i = 0; i < 26; i++) BASE32_REVERSE[0x61 + i] = i;
const BASE64_REVERSE = reverseTable(BASE64_ALPHABET);
const BASE64URL_REVERSE = reverseTable(BASE64URL_ALPHABET);

/** Value of `s[i]` in `table`; throws TypeError for anything outside the alphabet. */
function symbolValue(table: Int16Array, s: string, i: number, what: string): number {
  const code = s.charCodeAt(i);
  const v = code < 128 ? (table[code] ?? -1) : -1;
  if (v < 0) throw new TypeError(`${what}: invalid character at index ${i}`);
  return v;
}

/** Packs `bitsPerSymbol`-bit groups MSB first into characters of `alphabet` (no padding). */
function encodeBits(bytes: Uint8Array, alphabet: string, bitsPerSymbol: number): string {
  const mask = (1 << bitsPerSymbol) - 1;
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= bitsPerSymbol) {
      bits -= bitsPerSymbol;
      out += alphabet[(buffer >>> bits) & mask];
    }
  }
  if (bits > 0) out += alphabet[(buffer << (bitsPerSymbol - bits)) & mask];
  return out;
}

/** Inverse of encodeBits for unpadded input; leftover bits (< 8) are the zero pad bits (§3.5). */
function decodeBits(s: string, table: Int16Array, bitsPerSymbol: number, what: string): Uint8Array {
  const out = new Uint8Array(Math.floor((s.length * bitsPerSymbol) / 8));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    buffer = ((buffer << bitsPerSymbol) | symbolValue(table, s, i, what)) & 0xffff;
    bits += bitsPerSymbol;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >>> bits) & 0xff;
    }
  }
  return out;
}

/** Strips trailing `=` padding; an `=` anywhere else is left in place and later rejected. */
function stripPadding(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x3d) end--;
  return s.slice(0, end);
}

/** RFC 4648 §6 Base32, upper case, padding omitted (as the Key URI format asks). */
export function base32Encode(bytes: Uint8Array): string {
  return encodeBits(bytes, BASE32_ALPHABET, 5);
}

/**
 * RFC 4648 §6 Base32 decode. Case-insensitive; ASCII spaces (authenticator apps show secrets in
 * groups) and trailing `=` are ignored. Throws TypeError on any other character (§3.3) and on
 * lengths no encoder can produce (1, 3 or 6 symbols in the last 8-symbol group).
 */
export function base32Decode(s: string): Uint8Array {
  const body = stripPadding(s.replaceAll(" ", ""));
  if ([1, 3, 6].includes(body.length % 8)) throw new TypeError("base32Decode: invalid length");
  return decodeBits(body, BASE32_REVERSE, 5, "base32Decode");
}

/** RFC 4648 §4 Base64, standard alphabet, with `=` padding. */
export function base64Encode(bytes: Uint8Array): string {
  const body = encodeBits(bytes, BASE64_ALPHABET, 6);
  return body + "=".repeat((4 - (body.length % 4)) % 4);
}

function decodeBase64Like(s: string, table: Int16Array, what: string): Uint8Array {
  const body = stripPadding(s);
  const padding = s.length - body.length;
  if (body.length % 4 === 1 || padding > 2) throw new TypeError(`${what}: invalid length`);
  if (padding > 0 && s.length % 4 !== 0) throw new TypeError(`${what}: invalid padding`);
  return decodeBits(body, table, 6, what);
}

/** RFC 4648 §4 Base64 decode; padding optional. Throws TypeError on invalid characters or length. */
export function base64Decode(s: string): Uint8Array {
  return decodeBase64Like(s, BASE64_REVERSE, "base64Decode");
}

/** RFC 4648 §5 Base64url, no padding (as in JWTs and WebAuthn). */
export function base64UrlEncode(bytes: Uint8Array): string {
  return encodeBits(bytes, BASE64URL_ALPHABET, 6);
}

/** RFC 4648 §5 Base64url decode; padding optional; `+` and `/` are rejected with a TypeError. */
export function base64UrlDecode(s: string): Uint8Array {
  return decodeBase64Like(s, BASE64URL_REVERSE, "base64UrlDecode");
}

/** RFC 4648 §8 Base16, lower case. */
export function hexEncode(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX_ALPHABET[byte >>> 4]! + HEX_ALPHABET[byte & 0x0f]!;
  return out;
}

/** RFC 4648 §8 Base16 decode, either case. Throws TypeError on odd length or non-hex characters. */
export function hexDecode(s: string): Uint8Array {
  if (s.length % 2 !== 0) throw new TypeError("hexDecode: odd length");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const pair = s.slice(2 * i, 2 * i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw new TypeError(`hexDecode: invalid character near index ${2 * i}`);
    out[i] = Number.parseInt(pair, 16);
  }
  return out;
}

const UTF8_ENCODER = new TextEncoder();

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, per the Encoding Standard). */
export function utf8(s: string): Uint8Array {
  return UTF8_ENCODER.encode(s);
}
