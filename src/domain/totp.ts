/**
 * TOTP (RFC 6238) policy and verification: time steps, the ±1 step window, replay detection against
 * the last accepted step, and the otpauth:// enrollment URI.
 *
 * Owns: deciding whether a submitted code matches and which step it matched. Must never: read the
 * clock (`nowSeconds` is an argument, from the server's clock, never the client's — ASVS 5.0
 * 6.5.8), persist anything (the UserGuard Durable Object stores the returned step atomically), or
 * compare codes other than through constantTimeEqual.
 */
import { constantTimeEqual } from "./crypto.ts";
import { base32Decode, utf8 } from "./encoding.ts";
import { generateHOTP, type HOTPHash } from "./hotp.ts";

/** RFC 6238 §5.2: time step X, 30 s RECOMMENDED; also FusionAuth's and Google Authenticator's only value. */
export const TOTP_PERIOD_SECONDS = 30;
/** RFC 4226 §5.3 / RFC 6238 §4: 6 digits, the value FusionAuth and Google Authenticator support. */
export const TOTP_DIGITS = 6;
/**
 * RFC 6238 §5.2: "at most one time step" back or forward for network delay and clock drift.
 * Three codes accepted per guess ⇒ P(success) ≤ N·3/10^6 (RFC 4226 §6, §7.3; NIST SP 800-63B §5.2.2).
 */
export const TOTP_ALLOWED_DRIFT_STEPS = 1;
/** RFC 4226 §4 R6 recommends a 160-bit secret; NIST SP 800-63B §5.1.4.1 requires ≥ 112 bits. */
export const TOTP_SECRET_BYTES = 20;

export type TOTPOptions = { period?: number; digits?: number; hash?: HOTPHash };

export type TOTPMatch = { ok: true; step: number } | { ok: false; reason: "malformed" | "mismatch" | "replayed" };

/** RFC 6238 §4.2: T = floor((unixTime − T0) / X) with T0 = 0. */
export function totpStep(nowSeconds: number, period = TOTP_PERIOD_SECONDS): number {
  if (!Number.isFinite(nowSeconds) || nowSeconds < 0)
    throw new RangeError("totpStep: nowSeconds must be a non-negative number");
  if (!Number.isSafeInteger(period) || period <= 0) throw new RangeError("totpStep: period must be a positive integer");
  return Math.floor(nowSeconds / period);
}

/** RFC 6238 §4.2: TOTP = HOTP(K, T); the counter is encoded on 64 bits (valid beyond 2038). */
export function generateTOTP(key: Uint8Array, nowSeconds: number, opts: TOTPOptions = {}): Promise<string> {
  const step = totpStep(nowSeconds, opts.period ?? TOTP_PERIOD_SECONDS);
  return generateHOTP(key, step, opts.digits ?? TOTP_DIGITS, opts.hash ?? "SHA-1");
}

/** Exactly TOTP_DIGITS ASCII digits; rejects Unicode digits, signs and whitespace (no normalising). */
function isWellFormedCode(code: string): boolean {
  if (code.length !== TOTP_DIGITS) return false;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Verifies a 6-digit SHA-1 TOTP code at server time `nowSeconds` (RFC 6238 §5.2).
 *
 * All steps t−1, t, t+1 are computed and compared in constant time, with no early exit. The result
 * is the highest matching step greater than `lastAcceptedStep`; a code that matches only steps at
 * or below it is `replayed` (RFC 6238 §5.2: "MUST NOT accept the second attempt of an OTP after a
 * successful validation"). Taking the highest step means that once this step is persisted, no
 * other step the same digits happen to match can be accepted later.
 * Callers must answer `replayed` exactly like `mismatch` on the wire (no validity oracle).
 */
export async function matchTOTP(
  key: Uint8Array,
  code: string,
  nowSeconds: number,
  lastAcceptedStep: number | null,
): Promise<TOTPMatch> {
  if (!isWellFormedCode(code)) return { ok: false, reason: "malformed" };
  const current = totpStep(nowSeconds);
  const steps: number[] = [];
  for (let d = -TOTP_ALLOWED_DRIFT_STEPS; d <= TOTP_ALLOWED_DRIFT_STEPS; d++) {
    if (current + d >= 0) steps.push(current + d);
  }
  const expected = await Promise.all(steps.map((s) => generateHOTP(key, s, TOTP_DIGITS, "SHA-1")));
  const submitted = utf8(code);
  let accepted: number | null = null;
  let replayed = false;
  for (const [i, step] of steps.entries()) {
    if (!constantTimeEqual(utf8(expected[i]!), submitted)) continue;
    if (lastAcceptedStep !== null && step <= lastAcceptedStep) replayed = true;
    else accepted = step;
  }
  if (accepted !== null) return { ok: true, step: accepted };
  return { ok: false, reason: replayed ? "replayed" : "mismatch" };
}

export type OtpauthURIInput = { issuer: string; account: string; secretBase32: string };

/**
 * Google Authenticator Key URI format (github.com/google/google-authenticator/wiki/Key-Uri-Format):
 * `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
 * Label parts are URI-encoded (a colon inside them becomes %3A); the secret is unpadded Base32.
 * The defaults are spelled out because some apps ignore missing parameters inconsistently.
 */
/**
 * The Key URI Format forbids a colon inside the label's issuer or account (literal or `%3A`: parsers
 * split on either), so an issuer such as `https://login.example.com` would be misread. In the label a
 * URL issuer becomes its host, and any other colon is dropped; the `issuer=` parameter keeps the
 * issuer exactly (authenticator apps prefer it).
 */
function labelPart(s: string, isIssuer: boolean): string {
  let out = s;
  if (isIssuer && /^https?:\/\//i.test(s)) {
    try {
      out = new URL(s).host;
    } catch {
      // not a parsable URL: fall through to dropping colons
    }
  }
  return out.replaceAll(":", "") || "-";
}

export function buildOtpauthURI({ issuer, account, secretBase32 }: OtpauthURIInput): string {
  if (issuer.length === 0 || account.length === 0)
    throw new TypeError("buildOtpauthURI: issuer and account are required");
  const secret = secretBase32.replace(/=+$/, "").toUpperCase();
  if (!/^[A-Z2-7]+$/.test(secret)) throw new TypeError("buildOtpauthURI: secret must be Base32");
  base32Decode(secret); // throws on a length no Base32 encoder produces
  const label = `${encodeURIComponent(labelPart(issuer, true))}:${encodeURIComponent(labelPart(account, false))}`;
  const params = `secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`;
  return `otpauth://totp/${label}?${params}`;
}
