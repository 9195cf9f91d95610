/**
 * Tokens minted after authentication completes: the access JWT (signed with `jose` by the tenant's
 * signing key, `kid` in the header, verifiable with the tenant's JWKS) and the short-lived trustToken
 * (still HS256 under JWT_SIGNING_KEY). Nothing here is called before the second factor completes.
 *
 * `aud` is always present (RFC 7519 §4.1.3): the application id, or the tenant id when the login
 * named no application, so a relying party that checks `aud` against its client id never accepts a
 * token that was not issued for it.
 *
 * `amr` follows RFC 8176: `pwd` for a password, `otp` for TOTP, one-time and recovery codes, `mfa`
 * when two different factors completed in this login.
 */
import { sign, verify } from "hono/jwt";
import type { TrustTokenClaims } from "../domain/step-up.ts";
import { keyedHash } from "./hashing.ts";
import type { Services } from "./container.ts";
import { signJwt, type SignerRef } from "./signing-keys.ts";

export type TokenInput = {
  tenantId: string;
  userId: string;
  applicationId: string | null;
  issuer: string;
  ttlSeconds: number;
  authTime: number;
  amr: string[];
  /** FusionAuth's `authenticationType` (e.g. PASSWORD); omitted when unknown (a step-up challenge). */
  authenticationType?: string;
  email?: string;
  /** The tenant's (or the application's) signing key. */
  signer: SignerRef;
  /**
   * The user's roles in `applicationId` when registered for it; absent when not registered (or no
   * application): then the token carries neither `applicationId` nor `roles`, as FusionAuth's.
   */
  roles?: string[];
};

export async function mintAccessToken(
  s: Services,
  t: TokenInput,
): Promise<{ token: string; tokenExpirationInstant: number }> {
  const now = s.now();
  const exp = now + t.ttlSeconds;
  const payload: Record<string, unknown> = {
    iss: t.issuer,
    sub: t.userId,
    tid: t.tenantId,
    iat: now,
    exp,
    auth_time: t.authTime,
    amr: t.amr,
    jti: crypto.randomUUID(),
    aud: t.applicationId ?? t.tenantId,
  };
  if (t.applicationId && t.roles) {
    payload.applicationId = t.applicationId;
    payload.roles = t.roles;
  }
  if (t.authenticationType) payload.authenticationType = t.authenticationType;
  if (t.email) payload.email = t.email;
  return { token: await signJwt(s, t.signer, payload), tokenExpirationInstant: exp * 1000 };
}

/**
 * FusionAuth's trustToken: proof, valid for trustTokenTimeToLiveInSeconds, that this user just
 * completed a second factor; bound to the trustChallenge given to /api/two-factor/start (stored as a
 * keyed hash in the `tch` claim). Signed, so verifying it needs no storage.
 */
export async function mintTrustToken(
  s: Services,
  input: {
    tenantId: string;
    userId: string;
    applicationId: string | null;
    ttlSeconds: number;
    trustChallenge: string | null;
  },
): Promise<string> {
  const now = s.now();
  const payload: Record<string, unknown> = {
    typ: "trust",
    sub: input.userId,
    tid: input.tenantId,
    iat: now,
    exp: now + input.ttlSeconds,
    jti: crypto.randomUUID(),
  };
  if (input.applicationId) payload.aud = input.applicationId;
  if (input.trustChallenge) payload.tch = await trustChallengeHash(s, input.trustChallenge);
  return sign(payload, s.jwtKey, "HS256");
}

/** The keyed hash a trustChallenge is stored as in the `tch` claim (compare with a token's `tch`). */
export function trustChallengeHash(s: Services, trustChallenge: string): Promise<string> {
  return keyedHash(s.pepper, "otp", "trust-challenge", trustChallenge);
}

/**
 * The claims of a trustToken minted by `mintTrustToken`, or null when the signature, algorithm or
 * `typ` does not check out (an access token is not a trust token). Time claims are left to the
 * caller, which judges them against the service clock (src/domain/step-up.ts).
 */
export async function verifyTrustToken(s: Services, token: string): Promise<TrustTokenClaims | null> {
  if (token.length > 4096) return null;
  try {
    const claims = await verify(token, s.jwtKey, { alg: "HS256", exp: false, iat: false, nbf: false });
    return claims.typ === "trust" ? (claims as TrustTokenClaims) : null;
  } catch {
    return null;
  }
}
