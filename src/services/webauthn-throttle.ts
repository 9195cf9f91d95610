/**
 * Throttles for the anonymous WebAuthn endpoints (POST /api/webauthn/login and /assert): one
 * SendLimiter bucket per client IP and one per credential id, counted over a sliding window
 * (src/domain/send-window.ts), so junk assertions cannot flood the service, the log or a user's
 * event stream. They replace the account lock on these endpoints: a WebAuthn signature cannot be
 * guessed (NIST SP 800-63B §5.2.2 rate-limits authenticators of < 64 bits), so a failed assertion
 * does not count toward the guessing lock, where it only handed a lockout lever to anyone who
 * knows a credential id (OWASP ASVS 5.0 6.1.1: lockout abuse; 16.3.3: anti-automation logged).
 *
 * Decision (issue 10 item 2):
 * - Per client IP (IPv4 address, IPv6 /64; `CF-Connecting-IP` only): 60 per 60 s, refused before
 *   any work. One passkey ceremony per login makes 1/s from one address far above any office NAT
 *   of people signing in, and bounds one source's junk to 86 400 a day.
 * - Per credential id: 10 per 60 s, counted on every request naming it (known or not, so a 429 says
 *   nothing about existence). Past the limit a FAILED assertion is answered 429 and raises no event;
 *   a VALID one is never refused, so filling the bucket cannot lock the owner out either.
 * Both answer 429 `[TooManyRequests]` with Retry-After. Limits are service-wide constants, not
 * tenant settings: they bound abuse of the service, not a tenant's policy.
 *
 * Never: name a bucket by the raw credential id (a SHA-256 of it) or count anything in isolate memory.
 */
import { sha256 } from "../domain/crypto.ts";
import { hexEncode, utf8 } from "../domain/encoding.ts";
import { ApiError } from "../errors.ts";
import type { Services } from "./container.ts";

export const WEBAUTHN_THROTTLE = {
  ip: { limit: 60, windowSeconds: 60 },
  credential: { limit: 10, windowSeconds: 60 },
} as const;

const MESSAGE = "Too many WebAuthn requests. Try again later.";

/** The per-credential refusal, held until the assertion's outcome is known (null: within the limit). */
export type CredentialThrottle = { retryAfterSeconds: number } | null;

/**
 * Takes one request from the client's bucket (refusing at once with 429 past its limit) and one from
 * the credential's; answers the credential's refusal for `refuseFailure` to apply to a failure only.
 */
export async function throttleAssertion(
  s: Services,
  clientIp: string | null,
  credentialId: string,
  now: number,
): Promise<CredentialThrottle> {
  const { ip, credential } = WEBAUTHN_THROTTLE;
  const credentialBucket = `webauthn-credential:${hexEncode(await sha256(utf8(credentialId)))}`;
  const [byIp, byCredential] = await Promise.all([
    clientIp ? s.limiter(`webauthn-${clientIp}`).take(ip.limit, ip.windowSeconds, now) : null,
    s.limiter(credentialBucket).take(credential.limit, credential.windowSeconds, now),
  ]);
  if (byIp && !byIp.ok) {
    console.warn(JSON.stringify({ level: "warn", msg: "webauthn throttled", scope: "ip" }));
    throw ApiError.tooManyRequests(MESSAGE, "ip", byIp.retryAfterSeconds);
  }
  return byCredential.ok ? null : { retryAfterSeconds: byCredential.retryAfterSeconds };
}

/** The answer to an assertion that failed while its credential's bucket was full: 429, no event. */
export function refuseFailure(throttle: NonNullable<CredentialThrottle>, reason: string): ApiError {
  console.warn(JSON.stringify({ level: "warn", msg: "webauthn throttled", scope: "credential", reason }));
  return ApiError.tooManyRequests(MESSAGE, "credential", throttle.retryAfterSeconds);
}
