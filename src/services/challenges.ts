/**
 * Login: password login and the second-factor decision after any first factor; both answer a
 * LoginOutcome (./outcomes.ts), which the Login API maps to 200 / 202 / 242 / 404 / 409.
 * The step-up start (/api/two-factor/start) is in ./two-factor-start.ts, the challenge snapshot in ./challenge-init.ts.
 * Completion (/api/two-factor/login) is in ./complete-two-factor.ts; what every challenge path shares
 * (tenant settings, lockout policy, the locked answer) in ./tenant-context.ts.
 */
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../domain/password.ts";
import { completeApplicationSettings, type LoginPolicy, type TenantSettings, type TrustPolicy } from "../settings.ts";
import type { ApplicationRow, RegistrationRow } from "../storage/d1/schema.ts";
import { readTogether } from "../storage/d1/one-statement.ts";
import type { GuardVerdict, LoginContext } from "../storage/durable-objects/user-guard-types.ts";
import type { EventContext } from "../storage/durable-objects/guard-events.ts";
import type { RequestFacts } from "../http/request-info.ts";
import type { RiskLoginPolicy } from "../domain/risk.ts";
import type { Services } from "./container.ts";
import { keyedHash } from "./hashing.ts";
import { passkeyMethods, secondFactorPasskeys } from "./passkeys.ts";
import { mintAccessToken } from "./tokens.ts";
import { accessTokenSigner, trustTokenSigner, type KnownKeys, type SignerRef } from "./signing-keys.ts";
import { challengeReads } from "./challenge-reads.ts";
import { findRegistration } from "./registrations.ts";
import { toPublicMethods, toUserJson, type LoadedUser, type MethodRow, type PasskeyRow } from "./users.ts";

import { challengeInit } from "./challenge-init.ts";
import { lockedBy, type FirstFactorOutcome, type LoginOutcome, type TwoFactorRequired } from "./outcomes.ts";
import {
  activeMethods,
  configurableMethods,
  eventContext,
  lockoutPolicy,
  requireApplication,
  type TenantContext,
} from "./tenant-context.ts";

export type LoginInput = {
  loginId: string;
  password: string;
  applicationId?: string;
  twoFactorTrustId?: string;
  noJWT?: boolean;
  facts?: RequestFacts;
};
/** After a first factor: the device trust, `noJWT` and `state` of the request, and where it came from. */
export type FirstFactorInput = {
  twoFactorTrustId?: string;
  noJWT?: boolean;
  state?: Record<string, unknown> | null;
  facts?: RequestFacts;
};

function isRiskPolicy(policy: LoginPolicy): policy is RiskLoginPolicy {
  return policy === "ChallengeOnMediumRisk" || policy === "ChallengeOnHighRisk";
}

/** Whether the policy challenges users who have a method (the risk policies do, like Enabled). */
export function challengesEnrolled(policy: LoginPolicy): boolean {
  return policy === "Enabled" || isRiskPolicy(policy);
}

/** Risk inputs of a login: the device id only as a keyed hash (it never reaches storage in the clear). */
async function loginContext(
  s: Services,
  ev: EventContext,
  facts: RequestFacts | undefined,
  policy: LoginPolicy,
  authenticationType: string,
): Promise<LoginContext> {
  const sig = facts?.signals;
  const deviceId = sig?.deviceId ? await keyedHash(s.pepper, "device", ev.tenantId, ev.userId, sig.deviceId) : null;
  return {
    ev,
    signals: {
      deviceId,
      country: sig?.country ?? null,
      asn: sig?.asn ?? null,
      latitude: sig?.latitude ?? null,
      longitude: sig?.longitude ?? null,
    },
    riskPolicy: isRiskPolicy(policy) ? policy : null,
    authenticationType,
  };
}
/**
 * The first factor that passed: its RFC 8176 `amr`, whether it was a passkey (which then cannot be
 * the second), and whether it was already multi-factor (a user-verified passkey: no challenge).
 */
export type FirstFactor = { amr: string[]; passkey: boolean; multiFactor?: boolean };
export type { FirstFactorOutcome, LoginOutcome, TwoFactorRequired } from "./outcomes.ts";

/**
 * POST /api/login. Wrong password and unknown user are the same "refused" after the same work: a
 * password hash check and one UserGuard failure count — the user's own, or for an unknown, inactive
 * or password-less login id a stand-in guard named by a keyed hash of the login id, which locks
 * after the same number of failures. "locked" needs the right password, except on the failure
 * that reaches the limit (FusionAuth's answer), which the stand-in gives at the same attempt.
 * Nothing is minted before MFA.
 */
export async function passwordLogin(s: Services, ctx: TenantContext, input: LoginInput): Promise<LoginOutcome> {
  // One SQL statement: the user, the application, the registration and the signing keys (issue 15).
  const r = await readTogether(
    s.db,
    challengeReads(ctx.tenant.id, { by: "loginId", loginId: input.loginId }, input.applicationId),
  );
  const app = input.applicationId ? requireApplication(r.app) : null;
  const loaded = r.loaded;
  const now = s.now();
  const policy = lockoutPolicy(ctx.settings);
  if (!loaded?.user.passwordHash || !loaded.user.active) {
    await verifyPassword(input.password, DUMMY_PASSWORD_HASH); // same cost as a real check: no timing oracle
    const standIn = `unknown-login:${await keyedHash(s.pepper, "unknown-login", ctx.tenant.id, input.loginId.trim().toLowerCase())}`;
    return refusePassword(await s.guard(ctx.tenant.id, standIn).recordStandInFailure(policy, now));
  }
  const guard = s.guard(ctx.tenant.id, loaded.user.id);
  const { ok } = await verifyPassword(input.password, loaded.user.passwordHash);
  if (!ok)
    return refusePassword(
      await guard.recordFailedAttempt(policy, now, eventContext(ctx, loaded, app?.id ?? null, input.facts?.info)),
    );
  return finishFirstFactor(s, ctx, loaded, app, input, { amr: ["pwd"], passkey: false }, now, r);
}

/** What the login policy asks of a user after a first factor (see secondFactorPlan). */
export type SecondFactorPlan = {
  policy: LoginPolicy;
  trustPolicy: TrustPolicy;
  /** The user's methods of tenant-enabled types, and the passkeys that may serve as the second factor. */
  methods: MethodRow[];
  keys: PasskeyRow[];
  /** How many of those the user could answer a challenge with (0: only enrolment can satisfy Required). */
  eligible: number;
  /** Whether a second factor is due (a device trust may still stand in for it when `eligible` > 0). */
  due: boolean;
};

/**
 * The one rule for "is a second factor due": /api/login (finishFirstFactor) and /api/two-factor/status
 * both ask it, so they cannot disagree. A passkey that was the first factor cannot be the second; a
 * user-verified passkey was already multi-factor. Without `first`, a password login is assumed.
 */
export function secondFactorPlan(
  settings: TenantSettings,
  loaded: LoadedUser,
  app: ApplicationRow | null,
  first: Pick<FirstFactor, "passkey" | "multiFactor"> = { passkey: false },
): SecondFactorPlan {
  const appMfa = completeApplicationSettings(app?.settings).multiFactorConfiguration;
  const policy = appMfa.loginPolicy ?? settings.multiFactorConfiguration.loginPolicy;
  const methods = activeMethods(loaded.methods, settings);
  const keys = first.passkey ? [] : secondFactorPasskeys(loaded, settings);
  const eligible = methods.length + keys.length;
  const due = !first.multiFactor && (policy === "Required" || (challengesEnrolled(policy) && eligible > 0));
  return { policy, trustPolicy: appMfa.trustPolicy, methods, keys, eligible, due };
}

/** A wrong password: refused, or locked only when this very failure set the lock (an earlier lock is not revealed). */
function refusePassword(v: GuardVerdict): LoginOutcome {
  return v.status === "locked" && v.lockedNow ? lockedBy(v) : { kind: "refused" };
}

/**
 * After a first factor (password, or a passkey without user verification): "two-factor-required"
 * when the login policy asks for a second factor and no device trust covers it, else complete.
 * `ahead`: the signing keys and registration when read already with the user (`challengeReads`).
 */
export async function finishFirstFactor(
  s: Services,
  ctx: TenantContext,
  loaded: LoadedUser,
  app: ApplicationRow | null,
  input: FirstFactorInput,
  first: FirstFactor,
  now: number,
  ahead?: { keys: KnownKeys; registration: RegistrationRow | null },
): Promise<FirstFactorOutcome> {
  const guard = s.guard(ctx.tenant.id, loaded.user.id);
  const { policy, trustPolicy, methods, keys, eligible, due } = secondFactorPlan(ctx.settings, loaded, app, first);
  const ev = eventContext(ctx, loaded, app?.id ?? null, input.facts?.info);
  const authenticationType = first.passkey ? "WEBAUTHN" : "PASSWORD";
  // Read alongside the risk hashing; a locked account simply drops them.
  const signer = accessTokenSigner(s, ctx.tenant.id, app, ahead?.keys);
  signer.catch(() => {});
  const trustSigner = signer.then((access) => trustTokenSigner(s, ctx.tenant.id, access, ahead?.keys));
  trustSigner.catch(() => {});
  const registration = !app
    ? Promise.resolve(null)
    : ahead
      ? Promise.resolve(ahead.registration)
      : findRegistration(s, ctx.tenant.id, loaded.user.id, app.id);
  registration.catch(() => {});
  /** The login completes here (no second factor due, or a device trust stands in for it). */
  const signedIn = async (): Promise<FirstFactorOutcome> => {
    const reg = await registration;
    return {
      kind: app && !reg ? "not-registered" : "complete",
      body: await loginBody(
        s,
        ctx.tenant.id,
        loaded,
        app?.id ?? null,
        ctx.settings,
        { amr: first.amr, authenticationType, signer: await signer, ...(reg ? { roles: reg.roles } : {}) },
        now,
        input.noJWT,
      ),
    };
  };
  const login = await loginContext(s, ev, input.facts, policy, authenticationType);

  if (due) {
    const init = challengeInit(ctx, loaded, app, "login", {
      state: input.state ?? null,
      trustChallenge: null,
      codeHash: null,
      firstFactor: first.amr,
      passkeys: keys,
      enrolment: eligible === 0,
      signer: await signer,
      trustSigner: await trustSigner,
      authenticationType,
      registration: await registration,
    });
    const trust =
      eligible > 0 && input.twoFactorTrustId
        ? { trustId: input.twoFactorTrustId, applicationId: app?.id ?? null, trustPolicy }
        : undefined;
    const v = await guard.startChallenge({ init, now, trust, login });
    if (v.status === "locked") return lockedBy(v);
    if (v.status === "challenge") {
      const body: TwoFactorRequired["body"] = {
        twoFactorId: v.twoFactorId,
        methods: [...toPublicMethods(methods), ...passkeyMethods(keys)],
      };
      if (eligible === 0) body.configurableMethods = configurableMethods(ctx.settings);
      return { kind: "two-factor-required", body };
    }
    // "trusted": a valid device trust stands in for the second factor.
    return signedIn();
  }
  const v = await guard.checkLock(now, login);
  if (v.status === "locked") return lockedBy(v);
  return signedIn();
}

async function loginBody(
  s: Services,
  tenantId: string,
  loaded: LoadedUser,
  applicationId: string | null,
  settings: TenantSettings,
  auth: { amr: string[]; authenticationType: string; signer: SignerRef; roles?: string[] },
  now: number,
  noJWT?: boolean,
) {
  const user = toUserJson(loaded.user, loaded.methods);
  if (noJWT) return { user };
  const token = await mintAccessToken(s, {
    ...auth,
    tenantId,
    userId: loaded.user.id,
    applicationId,
    issuer: settings.issuer,
    ttlSeconds: settings.jwtConfiguration.timeToLiveInSeconds,
    authTime: now,
    email: loaded.user.email ?? undefined,
  });
  return { ...token, user };
}
