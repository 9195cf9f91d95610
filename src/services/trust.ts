/**
 * Trust status (`/api/two-factor/status`): would this user be challenged now? "no-challenge" (MFA
 * not due, or a valid trust covers it under the application's trustPolicy) or "challenge-required". Trusts live in the user's Durable Object, stored hashed.
 */
import { secondFactorPlan } from "./challenges.ts";
import { applicationRead, requireApplication, type TenantContext } from "./tenant-context.ts";
import type { Services } from "./container.ts";
import type { TrustStatusOutcome } from "./outcomes.ts";
import { userRead } from "./users.ts";
import { nothing, readTogether } from "../storage/d1/one-statement.ts";

export async function trustStatus(
  s: Services,
  ctx: TenantContext,
  input: { userId: string; applicationId?: string; twoFactorTrustId?: string },
): Promise<TrustStatusOutcome> {
  // One SQL statement: the user and the application (issue 15).
  const r = await readTogether(s.db, {
    loaded: userRead(ctx.tenant.id, { by: "id", id: input.userId }),
    app: input.applicationId ? applicationRead(ctx.tenant.id, input.applicationId) : nothing,
  });
  const app = input.applicationId ? requireApplication(r.app) : null;
  const loaded = r.loaded;
  if (!loaded) return { kind: "not-found" };
  // The same rule as a password login (risk policies answer like Enabled: a status check has no login request to judge).
  const plan = secondFactorPlan(ctx.settings, loaded, app);
  const guard = s.guard(ctx.tenant.id, loaded.user.id);
  const res = await guard.trustStatus(
    { trustId: input.twoFactorTrustId ?? null, applicationId: app?.id ?? null, trustPolicy: plan.trustPolicy },
    s.now(),
  );
  const trusts = res.trust
    ? [
        {
          applicationId: res.trust.applicationId,
          startInstant: res.trust.startInstant * 1000,
          expiration: res.trust.expiration * 1000,
          expired: false,
        },
      ]
    : [];
  const body: Record<string, unknown> = { trusts };
  if (res.trust && input.twoFactorTrustId) body.twoFactorTrustId = input.twoFactorTrustId;
  // As at login: a trust stands in only for a factor the user has (an enrolment cannot be skipped).
  const challengeNeeded = plan.due && !(plan.eligible > 0 && res.trusted);
  return { kind: challengeNeeded ? "challenge-required" : "no-challenge", body };
}
