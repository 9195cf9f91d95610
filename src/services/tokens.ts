/**
 * Tokens minted after authentication completes: the access JWT and the short-lived trustToken, both
 * signed with `jose` by a key of the tenant (`kid` in the header, verifiable with the tenant's JWKS)
 * and told apart by their `typ` header. Nothing here is called before the second factor completes.
 *
 * `aud` is always present (RFC 7519 §4.1.3): the application id, or the tenant id when the login
 * named no application, so a relying party that checks `aud` against its client id never accepts a
 * token that was not issued for it.
 *
 * `amr` follows RFC 8176: `pwd` for a password, `otp` for TOTP, one-time and recovery codes, `mfa`
 * when two different factors completed in this login.
 */
import { compactVerify, createLocalJWKSet } from "jose";
import { sha256 } from "../domain/crypto.ts";
import { base64UrlEncode, utf8 } from "../domain/encoding.ts";
import type { TrustTokenClaims } from "../domain/step-up.ts";
import type { Services } from "./container.ts";
import { signJwt, tenantJwks, type SignerRef } from "./signing-keys.ts";

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

/** The trust token's explicit type (RFC 8725 §3.11): access tokens are "JWT", so neither passes for the other. */
export const TRUST_TOKEN_TYP = "trust+jwt";
const TRUST_TOKEN_ALGORITHMS = ["RS256", "ES256"];

/**
 * FusionAuth's trustToken: proof, valid for trustTokenTimeToLiveInSeconds, that this user just
 * completed a second factor. A JWS by one of the tenant's asymmetric keys (verifiable with its JWKS),
 * header `typ: "trust+jwt"`; bound to the trustChallenge given to /api/two-factor/start by
 * `tch` = base64url(SHA-256(trustChallenge)), which the application can recompute. Besides the
 * type, the validation rules are mutually exclusive with an access token's (RFC 8725 §3.12): no `aud`
 * (the application it was issued to is `azp`, OIDC Core §2) and no `iss` (the tenant is `tid`), so a
 * verifier that checks an access token's `aud` or `iss` never takes a trust token for one.
 */
export async function mintTrustToken(
  s: Services,
  input: {
    tenantId: string;
    userId: string;
    applicationId: string | null;
    ttlSeconds: number;
    trustChallenge: string | null;
    /** The user's step-up proof epoch when the challenge completed (claim `sep`). */
    proofEpoch: number;
    /** An asymmetric key of the tenant (`trustTokenSigner`). */
    signer: SignerRef;
  },
): Promise<string> {
  const now = s.now();
  const payload: Record<string, unknown> = {
    sub: input.userId,
    tid: input.tenantId,
    iat: now,
    exp: now + input.ttlSeconds,
    jti: crypto.randomUUID(),
    sep: input.proofEpoch,
  };
  if (input.applicationId) payload.azp = input.applicationId;
  if (input.trustChallenge) payload.tch = await trustChallengeHash(input.trustChallenge);
  return signJwt(s, input.signer, payload, { typ: TRUST_TOKEN_TYP });
}

/** The `tch` claim of a trustChallenge: base64url(SHA-256(UTF-8 of the trustChallenge)), no padding. */
export async function trustChallengeHash(trustChallenge: string): Promise<string> {
  return base64UrlEncode(await sha256(utf8(trustChallenge)));
}

/**
 * The claims of a trustToken minted by `mintTrustToken` for this tenant, or null when the signature
 * (by one of the tenant's published keys), the algorithm or the `typ` header does not check out (an
 * access token is not a trust token). Time claims are left to the caller, which judges them against
 * the service clock (src/domain/step-up.ts).
 */
export async function verifyTrustToken(s: Services, tenantId: string, token: string): Promise<TrustTokenClaims | null> {
  if (token.length > 4096) return null;
  try {
    const keys = createLocalJWKSet(await tenantJwks(s, tenantId));
    const { payload, protectedHeader } = await compactVerify(token, keys, { algorithms: TRUST_TOKEN_ALGORITHMS });
    if (protectedHeader.typ !== TRUST_TOKEN_TYP) return null;
    const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
    return claims && typeof claims === "object" && !Array.isArray(claims) ? (claims as TrustTokenClaims) : null;
  } catch {
    return null;
  }
}
