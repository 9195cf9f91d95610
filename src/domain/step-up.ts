/**
 * Step-up proofs for sensitive changes (pure). When a tenant turns on
 * `multiFactorConfiguration.stepUp.requiredForSensitiveActions`, each sensitive change needs a
 * trustToken from a step-up (`/api/two-factor/start` with a `trustChallenge` naming the action, then
 * `/api/two-factor/login`) that is at most STEP_UP_MAX_AGE_SECONDS old: a fresh authentication for a
 * sensitive operation (NIST SP 800-63B §4.2.3 re-authentication; OWASP ASVS v4.0.3 V2.1.x/V3.7.1).
 * Single use is the caller's job (the user's Durable Object consumes the token's `jti`).
 *
 * Owns: the action names, the trustChallenge a set of actions needs, and the judgement of a token's
 * verified claims. Must never: read a clock, verify a signature, or say more than "refused" on the wire.
 */
import { utf8 } from "./encoding.ts";
import { constantTimeEqual } from "./crypto.ts";

export const STEP_UP_ACTIONS = [
  "mfa:add-method",
  "mfa:regenerate-recovery-codes",
  "mfa:remove-method",
  "passkey:register",
  "passkey:delete",
  "user:change-email",
  "user:change-phone",
  "user:change-password",
] as const;

export type StepUpAction = (typeof STEP_UP_ACTIONS)[number];

/** A proof older than this is refused, whatever the token's own lifetime (issue 10: 5 minutes). */
export const STEP_UP_MAX_AGE_SECONDS = 300;

/**
 * The trustChallenge a request needs: its one action, or, for a request making several sensitive
 * changes at once (an update of email and password), all of them sorted and space-separated.
 */
export function stepUpChallenge(actions: readonly StepUpAction[]): string {
  return [...new Set(actions)].sort().join(" ");
}

/** The claims of a trustToken whose signature and type were verified (src/services/tokens.ts). */
export type TrustTokenClaims = {
  sub?: unknown;
  tid?: unknown;
  iat?: unknown;
  exp?: unknown;
  jti?: unknown;
  tch?: unknown;
  /** The user's step-up proof epoch the token was earned in (absent: 0, a token from before the claim). */
  sep?: unknown;
};

/**
 * The proof epoch a trustToken was earned in, or null when the claim is malformed. A factor change
 * moves the user's epoch on, and only a proof of the current epoch is consumed: unlike the
 * whole-second `iat`, the epoch orders a proof and a change that fall in the same second.
 */
export function proofEpochOf(claims: TrustTokenClaims): number | null {
  const { sep } = claims;
  if (sep === undefined) return 0;
  return typeof sep === "number" && Number.isSafeInteger(sep) && sep >= 0 ? sep : null;
}

/** What the proof must match: the user and tenant acted on, and the keyed hash of the required trustChallenge. */
export type StepUpExpectation = { tenantId: string; userId: string; challengeHash: string };

export type StepUpRefusal = "malformed" | "other_user" | "other_action" | "too_old" | "expired";

export type StepUpJudgement =
  | { ok: true; jti: string; issuedAt: number; retainUntil: number }
  | { ok: false; reason: StepUpRefusal };

/**
 * Judges a verified trustToken for a step-up. On success answers the `jti` to consume and until when
 * its consumption must be remembered (after that the token fails the age or expiry check anyway).
 */
export function judgeStepUpProof(claims: TrustTokenClaims, expect: StepUpExpectation, now: number): StepUpJudgement {
  const { sub, tid, iat, exp, jti, tch } = claims;
  if (
    typeof iat !== "number" ||
    typeof exp !== "number" ||
    typeof jti !== "string" ||
    jti.length === 0 ||
    jti.length > 128
  )
    return { ok: false, reason: "malformed" };
  if (sub !== expect.userId || tid !== expect.tenantId) return { ok: false, reason: "other_user" };
  if (typeof tch !== "string" || !constantTimeEqual(utf8(tch), utf8(expect.challengeHash)))
    return { ok: false, reason: "other_action" };
  if (exp <= now) return { ok: false, reason: "expired" };
  // A token minted "in the future" is as suspect as an old one.
  if (now - iat > STEP_UP_MAX_AGE_SECONDS || iat > now + 60) return { ok: false, reason: "too_old" };
  return { ok: true, jti, issuedAt: iat, retainUntil: Math.min(exp, iat + STEP_UP_MAX_AGE_SECONDS) + 1 };
}

/** The sign-in details of a user that a change of needs a step-up (and raises its own notice). */
export type UserCredentialFields = { email: string | null; mobilePhone: string | null };

/** The step-up actions an update from `before` to `after` amounts to; any password given counts as a change. */
export function userChangeActions(
  before: UserCredentialFields,
  after: UserCredentialFields,
  passwordGiven: boolean,
): StepUpAction[] {
  const actions: StepUpAction[] = [];
  if (before.email !== after.email) actions.push("user:change-email");
  if (before.mobilePhone !== after.mobilePhone) actions.push("user:change-phone");
  if (passwordGiven) actions.push("user:change-password");
  return actions;
}
