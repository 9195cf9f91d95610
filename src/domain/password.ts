/**
 * Password hashing with PBKDF2-HMAC-SHA-256 through WebCrypto (NIST SP 800-132, RFC 8018 §5.2).
 *
 * Owns: the stored hash format `pbkdf2-sha256$<iterations>$<b64 salt>$<b64 hash>` and its
 * verification. Must never: exceed PBKDF2_ITERATIONS (production Workers reject larger counts,
 * while local workerd does not — workerd#1346), compare hashes with `===`, read the RNG
 * itself, or put passwords or hashes into error messages.
 */
import { constantTimeEqual, drawRandomBytes, type RandomBytes } from "./crypto.ts";
import { base64Decode, base64Encode, utf8 } from "./encoding.ts";

/**
 * Cloudflare production caps PBKDF2 at 100,000 iterations (workerd `DEFAULT_MAX_PBKDF2_ITERATIONS`,
 * workerd#1346): a larger count passes every local test and
 * breaks every login in production. Pinned by test/domain/password.test.ts.
 */
export const PBKDF2_ITERATIONS = 100_000;

const SCHEME = "pbkdf2-sha256";
/** NIST SP 800-132 §5.1: salt ≥ 128 bits from an approved RBG. */
const SALT_BYTES = 16;
/** Output length = SHA-256 output length (RFC 8018 §5.2 dkLen). */
const HASH_BYTES = 32;

/**
 * Hash of a random 32-byte password nobody knows, with the production iteration count. Verify
 * against it when the user does not exist or has no password, so the response time does not reveal
 * which case applied (ASVS 5.0 6.3.8).
 */
export const DUMMY_PASSWORD_HASH =
  "pbkdf2-sha256$100000$CyzEQ9yMgKgWgQARTj4BvQ==$VoSDG1ff9+jlyoTozmwU4wYE1jFRaz89mKNi5g9Gyjw=";

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    HASH_BYTES * 8,
  );
  return new Uint8Array(bits);
}

function isAllowedIterationCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && n <= PBKDF2_ITERATIONS;
}

/**
 * Hashes a password with a fresh 16-byte salt (RFC 8018 §5.2 PBKDF2, PRF HMAC-SHA-256). The password
 * is hashed as its UTF-8 bytes without Unicode normalisation. `iterations` above PBKDF2_ITERATIONS
 * throw, since production could never verify them.
 */
export async function hashPassword(
  password: string,
  random: RandomBytes,
  iterations = PBKDF2_ITERATIONS,
): Promise<string> {
  if (!isAllowedIterationCount(iterations))
    throw new RangeError(`hashPassword: iterations must be 1..${PBKDF2_ITERATIONS}`);
  const salt = drawRandomBytes(random, SALT_BYTES);
  const hash = await derive(password, salt, iterations);
  return [SCHEME, String(iterations), base64Encode(salt), base64Encode(hash)].join("$");
}

type ParsedHash = { iterations: number; salt: Uint8Array; hash: Uint8Array };

function parseStoredHash(stored: string): ParsedHash | null {
  const [scheme, iterText, saltText, hashText, ...rest] = stored.split("$");
  if (
    scheme !== SCHEME ||
    rest.length > 0 ||
    !iterText ||
    !saltText ||
    !hashText ||
    !/^[1-9][0-9]{0,8}$/.test(iterText)
  )
    return null;
  const iterations = Number(iterText);
  if (!isAllowedIterationCount(iterations)) return null;
  try {
    const salt = base64Decode(saltText);
    const hash = base64Decode(hashText);
    if (salt.length < SALT_BYTES || hash.length !== HASH_BYTES) return null;
    return { iterations, salt, hash };
  } catch {
    return null;
  }
}

/**
 * Verifies a password against a stored hash, comparing digests in constant time. An unknown scheme
 * or a malformed or out-of-range value yields `ok: false` (fail closed). `needsRehash` is true only
 * after a successful match whose iteration count differs from PBKDF2_ITERATIONS, so the caller can
 * store a fresh hash while it still holds the plaintext.
 */
export async function verifyPassword(password: string, stored: string): Promise<{ ok: boolean; needsRehash: boolean }> {
  const parsed = parseStoredHash(stored);
  if (!parsed) return { ok: false, needsRehash: false };
  const candidate = await derive(password, parsed.salt, parsed.iterations);
  const ok = constantTimeEqual(candidate, parsed.hash);
  return { ok, needsRehash: ok && parsed.iterations !== PBKDF2_ITERATIONS };
}
