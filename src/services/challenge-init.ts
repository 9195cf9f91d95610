/**
 * The snapshot a challenge is started with (UserGuard `startChallenge`): the user's TOTP secrets,
 * email/SMS targets, passkeys, lockout policy and token settings, resolved once at the start.
 * Shared by the login (./challenges.ts) and step-up (./two-factor-start.ts) starts.
 */
import { completeApplicationSettings } from "../settings.ts";
import type { ApplicationRow, RegistrationRow } from "../storage/d1/schema.ts";
import type { ChallengeInit } from "../storage/durable-objects/user-guard-types.ts";
import { methodFactor } from "../factors/registry.ts";
import { oobTargets } from "./oob-slots.ts";
import { challengeWebAuthn, toCandidate } from "./passkeys.ts";
import type { SignerRef } from "./signing-keys.ts";
import { activeMethods, lockoutPolicy, type TenantContext } from "./tenant-context.ts";
import { toUserJson, type LoadedUser, type PasskeyRow } from "./users.ts";

/** What a challenge carries from the start so its completion needs no D1 read (user, codes, signer, policy). */
export function challengeInit(
  ctx: TenantContext,
  loaded: LoadedUser,
  app: ApplicationRow | null,
  purpose: ChallengeInit["purpose"],
  extra: {
    state: Record<string, unknown> | null;
    trustChallenge: string | null;
    codeHash: string | null;
    firstFactor?: string[];
    passkeys: PasskeyRow[];
    enrolment?: boolean;
    signer: SignerRef;
    /** The trust-token key (`trustTokenSigner`); carried only when it is not `signer`. */
    trustSigner: SignerRef;
    authenticationType?: string;
    /** The user's registration for `app` (null: not registered, or no application). */
    registration: RegistrationRow | null;
  },
): ChallengeInit {
  const { settings } = ctx;
  const methods = activeMethods(loaded.methods, settings);
  const owner = `${ctx.tenant.id}:${loaded.user.id}`;
  const applicationId = app?.id ?? null;
  return {
    tenantId: ctx.tenant.id,
    userId: loaded.user.id,
    applicationId,
    purpose,
    enrolment: purpose === "login" && extra.enrolment === true,
    ttlSeconds: settings.externalIdentifierConfiguration.twoFactorIdTimeToLiveInSeconds,
    state: extra.state,
    trustChallenge: extra.trustChallenge,
    codeHash: extra.codeHash,
    totp: methods
      .filter((m) => m.secretEnc && methodFactor(m).method.challengeCarries === "totp-key")
      .map((m) => ({ methodId: m.id, secretEnc: m.secretEnc!, owner })),
    recoveryAvailable: loaded.unusedRecoveryCodes > 0,
    user: toUserJson(loaded.user, loaded.methods),
    token: {
      issuer: settings.issuer,
      ttlSeconds: settings.jwtConfiguration.timeToLiveInSeconds,
      // The application's lifetime wins over the tenant's (FusionAuth's externalIdentifierConfiguration on both).
      trustTtlSeconds:
        completeApplicationSettings(app?.settings).externalIdentifierConfiguration
          .twoFactorTrustIdTimeToLiveInSeconds ??
        settings.externalIdentifierConfiguration.twoFactorTrustIdTimeToLiveInSeconds,
      trustTokenTtlSeconds: settings.externalIdentifierConfiguration.trustTokenTimeToLiveInSeconds,
      // Resolved here (the start may read D1) so the completion signs without one.
      signer: extra.signer,
      ...(extra.trustSigner.id !== extra.signer.id ? { trustSigner: extra.trustSigner } : {}),
      ...(extra.authenticationType ? { authenticationType: extra.authenticationType } : {}),
      ...(extra.registration ? { roles: extra.registration.roles } : {}),
    },
    oob: oobTargets(methods),
    policy: lockoutPolicy(settings),
    passkeys: extra.passkeys.map(toCandidate),
    webauthn: extra.passkeys.length ? challengeWebAuthn(settings) : null,
    firstFactor: extra.firstFactor,
  };
}
