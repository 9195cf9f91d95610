/**
 * Trust status (`/api/two-factor/status`): would this user be challenged now? 200 = no challenge
 * needed (MFA not due, or a valid trust covers it under the application's trustPolicy), 242 = a
 * challenge would be required. Trusts live in the user's Durable Object, stored hashed.
 */
import { ApiError } from "../errors.ts";
import { completeApplicationSettings } from "../settings.ts";
import { activeMethods, challengesEnrolled, loadApplication, type TenantContext } from "./challenges.ts";
import type { Services } from "./container.ts";
import { loadUser } from "./users.ts";

export async function trustStatus(s: Services, ctx: TenantContext, input: { userId: string; applicationId?: string; twoFactorTrustId?: string }) {
  const [loaded, app] = await Promise.all([loadUser(s.db, ctx.tenant.id, { by: "id", id: input.userId }), loadApplication(s, ctx.tenant.id, input.applicationId)]);
  if (!loaded) throw ApiError.notFound();
  const appSettings = completeApplicationSettings(app?.settings);
  const policy = appSettings.multiFactorConfiguration.loginPolicy ?? ctx.settings.multiFactorConfiguration.loginPolicy;
  const methods = activeMethods(loaded.methods, ctx.settings);
  // Risk policies answer like Enabled here: a status check has no login request to judge.
  const due = policy === "Required" || (challengesEnrolled(policy) && methods.length > 0);
  const guard = s.guard(ctx.tenant.id, loaded.user.id);
  const res = await guard.trustStatus({ trustId: input.twoFactorTrustId ?? null, applicationId: app?.id ?? null, trustPolicy: appSettings.multiFactorConfiguration.trustPolicy }, s.now());
  const trusts = res.trust
    ? [{ applicationId: res.trust.applicationId, startInstant: res.trust.startInstant * 1000, expiration: res.trust.expiration * 1000, expired: false }]
    : [];
  const body: Record<string, unknown> = { trusts };
  if (res.trust && input.twoFactorTrustId) body.twoFactorTrustId = input.twoFactorTrustId;
  const challengeNeeded = due && !(methods.length > 0 && res.trusted);
  return { status: challengeNeeded ? 242 : 200, body };
}
