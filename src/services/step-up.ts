/**
 * Step-up for sensitive changes, when the tenant turns on
 * `multiFactorConfiguration.stepUp.requiredForSensitiveActions` (off by default: FusionAuth's API
 * needs only the key). The proof is a trustToken from `/api/two-factor/start` (with a
 * `trustChallenge` naming the action, src/domain/step-up.ts) + `/api/two-factor/login`, sent in the
 * `X-EdgeMFA-Trust-Token` header, at most 5 minutes old, and consumed once in the user's UserGuard; a factor
 * change revokes proofs issued before it, and a locked account refuses them (409).
 *
 * Only users who have a second factor (a method or a passkey) are asked, as FusionAuth asks a trust
 * token for a password change only of users with MFA; a user without one has nothing to step up with.
 *
 * Every refusal is the same 400 `[TrustTokenRequired]`, whose `data.trustChallenge` tells the app
 * which step-up to run; the reason goes to the log only (never the token).
 */
import { sha256 } from "../domain/crypto.ts";
import { hexEncode, utf8 } from "../domain/encoding.ts";
import { judgeStepUpProof, proofEpochOf, stepUpChallenge, type StepUpAction } from "../domain/step-up.ts";
import { ApiError } from "../errors.ts";
import type { TenantSettings } from "../settings.ts";
import type { Services } from "./container.ts";
import { trustChallengeHash, verifyTrustToken } from "./tokens.ts";
import { loadUser, type LoadedUser } from "./users.ts";

/** The request header carrying the step-up proof. */
export const TRUST_TOKEN_HEADER = "x-edgemfa-trust-token";

/** The tenant acted in (a TenantContext fits). */
export type StepUpScope = { settings: TenantSettings; tenant: { id: string } };

export function stepUpRequired(settings: TenantSettings): boolean {
  return settings.multiFactorConfiguration.stepUp.requiredForSensitiveActions;
}

function refuse(trustChallenge: string, reason: string): ApiError {
  console.warn(JSON.stringify({ level: "warn", msg: "step-up refused", reason, trustChallenge }));
  return new ApiError("validation", {
    generalErrors: [
      {
        code: "[TrustTokenRequired]",
        message:
          "This change needs a fresh step-up: a trustToken whose trustChallenge names it, at most 5 minutes old, used once.",
        data: { trustChallenge },
      },
    ],
  });
}

/** Throws 400 `[TrustTokenRequired]` unless `token` is a valid, unused proof for `actions` on `loaded`; consumes it. */
export async function requireStepUp(...args: Parameters<typeof requireFreshStepUp>): Promise<void> {
  if (!stepUpRequired(args[1].settings)) return;
  await requireFreshStepUp(...args);
}

/**
 * The same proof check whatever the tenant's `stepUp` setting: for callers that always ask (the
 * self-service account pages). A user without a second factor has nothing to step up with and passes.
 */
export async function requireFreshStepUp(
  s: Services,
  scope: StepUpScope,
  loaded: LoadedUser,
  actions: StepUpAction[],
  token: string | null | undefined,
): Promise<void> {
  if (actions.length === 0) return;
  if (loaded.methods.length === 0 && loaded.passkeys.length === 0) return;
  const trustChallenge = stepUpChallenge(actions);
  if (!token) throw refuse(trustChallenge, "missing");
  const claims = await verifyTrustToken(s, scope.tenant.id, token);
  if (!claims) throw refuse(trustChallenge, "invalid");
  const now = s.now();
  const userId = loaded.user.id;
  const verdict = judgeStepUpProof(
    claims,
    { tenantId: scope.tenant.id, userId, challengeHash: await trustChallengeHash(trustChallenge) },
    now,
  );
  if (!verdict.ok) throw refuse(trustChallenge, verdict.reason);
  const epoch = proofEpochOf(claims);
  if (epoch === null) throw refuse(trustChallenge, "malformed");
  const proofKey = hexEncode(await sha256(utf8(verdict.jti)));
  const consumed = await s
    .guard(scope.tenant.id, userId)
    .consumeStepUpProof({ proofKey, epoch, retainUntil: verdict.retainUntil, now });
  // A locked account refuses every proof, as it refuses every code (409, FusionAuth's login-prevented answer).
  if (consumed.status === "locked") throw ApiError.locked(consumed.actions);
  if (consumed.status !== "ok") throw refuse(trustChallenge, "replayed_or_revoked");
}

/** For routes that have only the user id: loads the user when (and only when) the tenant asks for step-up. 404 for an unknown user. */
export async function requireStepUpFor(
  s: Services,
  scope: StepUpScope,
  userId: string,
  action: StepUpAction,
  token: string | null | undefined,
): Promise<void> {
  if (!stepUpRequired(scope.settings)) return;
  const loaded = await loadUser(s.db, scope.tenant.id, { by: "id", id: userId });
  if (!loaded) throw ApiError.notFound();
  await requireStepUp(s, scope, loaded, [action], token);
}

/** The OpenAPI description of a route that may need a step-up. */
export function stepUpNote(trustChallenge: string): string {
  return `When the tenant sets multiFactorConfiguration.stepUp.requiredForSensitiveActions and the user has a second factor: send a trustToken in the X-EdgeMFA-Trust-Token header, from /api/two-factor/start with trustChallenge \`${trustChallenge}\` and /api/two-factor/login, at most 5 minutes old and used once; otherwise 400 [TrustTokenRequired].`;
}
