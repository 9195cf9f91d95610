/**
 * WebCrypto primitives for the whole service: the CSPRNG, SHA-256, HMAC, constant-time comparison
 * and AES-256-GCM encryption of secrets at rest with a rotatable keyring.
 *
 * Owns: the only RNG read in the codebase (`randomBytes`; everyone else receives it as an
 * argument) and the cache of imported CryptoKeys. Must never: import `node:crypto` (practice 15),
 * read the clock, log or embed key material or plaintext in error messages.
 */
import { base64Decode, base64UrlDecode, base64UrlEncode, utf8 } from "./encoding.ts";

/** Source of cryptographically secure random bytes; injected so tests can be deterministic. */
export type RandomBytes = (n: number) => Uint8Array;

/** getRandomValues fills at most 65,536 bytes per call (WebCrypto §10.1.1). */
const MAX_RANDOM_CHUNK_BYTES = 65_536;

/** The production RandomBytes: `crypto.getRandomValues`, the platform CSPRNG. */
export const randomBytes: RandomBytes = (n) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError("randomBytes: n must be a non-negative integer");
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += MAX_RANDOM_CHUNK_BYTES)
    crypto.getRandomValues(out.subarray(i, i + MAX_RANDOM_CHUNK_BYTES));
  return out;
};

/** Calls an injected RandomBytes and insists on exactly `n` bytes (a short IV or salt is a bug). */
export function drawRandomBytes(random: RandomBytes, n: number): Uint8Array {
  const bytes = random(n);
  if (bytes.length !== n) throw new RangeError(`RandomBytes returned ${bytes.length} bytes, expected ${n}`);
  return bytes;
}

export type HashName = "SHA-1" | "SHA-256" | "SHA-512";

type CachedKey = { snapshot: Uint8Array; key: Promise<CryptoKey> };

/**
 * Imported keys, keyed by the identity of the raw-bytes array, then by algorithm. A WeakMap keeps
 * no key material alive once the caller drops its array (TOTP secrets are decrypted per request);
 * the snapshot guards against a caller mutating the array after the first import.
 */
const KEY_CACHE = new WeakMap<Uint8Array, Map<string, CachedKey>>();

/** The subset of WebCrypto import parameters used here (portable across workerd and Node typings). */
type RawKeyAlgorithm = { name: "HMAC"; hash: HashName } | { name: "AES-GCM" };
const AES_GCM: RawKeyAlgorithm = { name: "AES-GCM" };

function importRawKey(
  raw: Uint8Array,
  algorithm: RawKeyAlgorithm,
  usages: ("sign" | "encrypt" | "decrypt")[],
): Promise<CryptoKey> {
  const tag = algorithm.name === "HMAC" ? `HMAC/${algorithm.hash}` : algorithm.name;
  const byAlgorithm = KEY_CACHE.get(raw) ?? new Map<string, CachedKey>();
  const hit = byAlgorithm.get(tag);
  if (hit && constantTimeEqual(hit.snapshot, raw)) return hit.key;
  const snapshot = raw.slice();
  const key = crypto.subtle.importKey("raw", snapshot, algorithm, false, usages);
  KEY_CACHE.set(raw, byAlgorithm);
  byAlgorithm.set(tag, { snapshot, key });
  key.catch(() => {
    if (byAlgorithm.get(tag)?.key === key) byAlgorithm.delete(tag);
  });
  return key;
}

/**
 * HMAC (RFC 2104) with the given hash; the imported key is cached per (key bytes, hash). An empty
 * key (e.g. an unset pepper) is refused with a RangeError instead of WebCrypto's opaque DataError.
 */
export async function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  if (key.length === 0) throw new RangeError("hmac: key must not be empty");
  const cryptoKey = await importRawKey(key, { name: "HMAC", hash }, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, data));
}

/** HMAC-SHA-256 (RFC 2104, FIPS 180-4), 32 bytes. */
export function hmacSHA256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  return hmac("SHA-256", key, data);
}

/** SHA-256 (FIPS 180-4), 32 bytes. */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data));
}

/**
 * Compares two byte strings without an early exit on content (ASVS 5.0 11.2.4): every byte up to
 * the longer length is XOR-folded, so the time depends only on the lengths, which are not secret.
 * Differing lengths return false.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** AES-256-GCM keys by key id; `current` encrypts, every listed key can decrypt (rotation). */
export type EncryptionKeyring = { current: string; keys: Record<string, Uint8Array> };

const AES_KEY_BYTES = 32;
/** NIST SP 800-38D §8.2: 96-bit random IVs; one fresh IV per encryption. */
const AES_GCM_IV_BYTES = 12;
const STORED_VERSION = "v1";
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function keyringKey(ring: EncryptionKeyring, kid: string): Uint8Array {
  const key = Object.hasOwn(ring.keys, kid) ? ring.keys[kid] : undefined;
  if (!(key instanceof Uint8Array)) throw new TypeError("encryption keyring: unknown key id");
  if (key.length !== AES_KEY_BYTES) throw new TypeError("encryption keyring: key must be 32 bytes");
  return key;
}

/**
 * Encrypts a secret (e.g. a TOTP seed) with the current key. `aad` binds the ciphertext to its
 * owner and purpose (e.g. `factor:<id>:user:<id>`), so a row copied to another user fails to
 * decrypt. Returns `v1.<kid>.<base64url iv>.<base64url ciphertext+tag>`.
 */
export async function encryptSecret(
  ring: EncryptionKeyring,
  plaintext: Uint8Array,
  aad: string,
  random: RandomBytes,
): Promise<string> {
  const key = await importRawKey(keyringKey(ring, ring.current), AES_GCM, ["encrypt", "decrypt"]);
  const iv = drawRandomBytes(random, AES_GCM_IV_BYTES);
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(aad) }, key, plaintext);
  return [STORED_VERSION, ring.current, base64UrlEncode(iv), base64UrlEncode(new Uint8Array(ct))].join(".");
}

/**
 * Decrypts a value written by encryptSecret with the key named in it. Throws TypeError on a
 * malformed value or an unknown key id, and Error when authentication fails (wrong AAD, wrong
 * key, tampered ciphertext). Never returns unauthenticated plaintext.
 */
export async function decryptSecret(ring: EncryptionKeyring, stored: string, aad: string): Promise<Uint8Array> {
  const parts = stored.split(".");
  const [version, kid, ivText, ctText] = parts;
  if (parts.length !== 4 || version !== STORED_VERSION || !kid || !ivText || !ctText)
    throw new TypeError("decryptSecret: malformed value");
  const iv = base64UrlDecode(ivText);
  const ct = base64UrlDecode(ctText);
  if (iv.length !== AES_GCM_IV_BYTES || ct.length < 16) throw new TypeError("decryptSecret: malformed value");
  const key = await importRawKey(keyringKey(ring, kid), AES_GCM, ["encrypt", "decrypt"]);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: utf8(aad) }, key, ct));
  } catch {
    throw new Error("decryptSecret: authentication failed");
  }
}

/**
 * Parses `kid1:base64key,kid2:base64key` (e.g. the ENCRYPTION_KEYS secret). The first entry is the
 * current key; later entries only decrypt. Throws TypeError on empty specs, bad or duplicate key
 * ids, and keys that are not 32 bytes (AES-256) — fail closed on misconfiguration.
 */
export function parseKeyring(spec: string): EncryptionKeyring {
  const keys: Record<string, Uint8Array> = Object.create(null);
  let current: string | undefined;
  for (const entry of spec.split(",")) {
    const sep = entry.indexOf(":");
    const kid = entry.slice(0, sep).trim();
    if (sep < 0 || !KEY_ID_PATTERN.test(kid))
      throw new TypeError("parseKeyring: each entry must be <kid>:<base64 key>");
    if (Object.hasOwn(keys, kid)) throw new TypeError(`parseKeyring: duplicate key id ${kid}`);
    let key: Uint8Array;
    try {
      key = base64Decode(entry.slice(sep + 1).trim());
    } catch {
      throw new TypeError(`parseKeyring: key ${kid} is not valid base64`);
    }
    if (key.length !== AES_KEY_BYTES) throw new TypeError(`parseKeyring: key ${kid} must decode to 32 bytes`);
    keys[kid] = key;
    current ??= kid;
  }
  if (current === undefined) throw new TypeError("parseKeyring: no keys");
  return { current, keys };
}
