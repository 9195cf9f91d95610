/** POST /api/two-factor/start: a challenge for step-up or a custom flow (API-key gated). */
import { generateNumericCode } from "../domain/otp-code.ts";
import { ApiError } from "../errors.ts";
import type { Services } from "./container.ts";
import { challengeInit } from "./challenge-init.ts";
import { passkeyMethods, secondFactorPasskeys } from "./passkeys.ts";
import { findRegistration } from "./registrations.ts";
import { accessTokenSigner, trustTokenSigner } from "./signing-keys.ts";
import {
  activeMethods,
  keyedTenantRead,
  loadApplication,
  otpHash,
  tenantContext,
  type TenantContext,
  type UnconfirmedKey,
} from "./tenant-context.ts";
import { lockedBy, type StartOutcome } from "./outcomes.ts";
import { loadUser, toPublicMethods, userRead, type UserLookup } from "./users.ts";
import { readTogether } from "../storage/d1/one-statement.ts";

export type StartInput = {
  userId?: string;
  loginId?: string;
  applicationId?: string;
  code?: string;
  state?: Record<string, unknown>;
  trustChallenge?: string;
};

/**
 * POST /api/two-factor/start: a challenge for step-up or a custom flow; "started" carries the code
 * (API-key gated). A missing userId/loginId and a key deleted meanwhile stay thrown (src/errors.ts).
 */
export async function startTwoFactor(
  s: Services,
  tenant: TenantContext | UnconfirmedKey,
  input: StartInput,
): Promise<StartOutcome> {
  const lookup: UserLookup | null = input.userId
    ? { by: "id", id: input.userId }
    : input.loginId
      ? { by: "loginId", loginId: input.loginId }
      : null;
  if (!lookup) throw ApiError.field("userId", "blank", "You must specify [userId] or [loginId].");
  const tenantId = "tenant" in tenant ? tenant.tenant.id : tenant.tenantId;
  const [[loaded, ctx], [app, [signer, trustSigner], byId]] = await Promise.all([
    "tenant" in tenant
      ? loadUser(s.db, tenantId, lookup).then((u) => [u, tenant] as const)
      : readTogether(s.db, {
          loaded: userRead(tenantId, lookup),
          tenant: keyedTenantRead(tenantId, tenant.keyDigest),
        }).then(({ loaded, tenant: row }) => {
          if (!row) throw ApiError.unauthorized();
          return [loaded, tenantContext(row)] as const;
        }),
    // With a userId, the registration is read beside the signing key; with a loginId, once the user is known.
    loadApplication(s, tenantId, input.applicationId).then(
      async (a) =>
        [
          a,
          ...(await Promise.all([
            accessTokenSigner(s, tenantId, a).then(
              async (access) => [access, await trustTokenSigner(s, tenantId, access)] as const,
            ),
            a && input.userId ? findRegistration(s, tenantId, input.userId, a.id) : null,
          ])),
        ] as const,
    ),
  ]);
  if (!loaded) return { kind: "not-found" };
  const registration = !app ? null : input.userId ? byId : await findRegistration(s, tenantId, loaded.user.id, app.id);
  const code = input.code ?? generateNumericCode(s.random, 6);
  const keys = secondFactorPasskeys(loaded, ctx.settings);
  const init = challengeInit(ctx, loaded, app, "step_up", {
    state: input.state ?? null,
    trustChallenge: input.trustChallenge ?? null,
    codeHash: await otpHash(s, code),
    passkeys: keys,
    signer,
    trustSigner,
    registration,
  });
  const v = await s.guard(ctx.tenant.id, loaded.user.id).startChallenge({ init, now: s.now() });
  if (v.status === "locked") return lockedBy(v);
  if (v.status !== "challenge") throw new Error(`unexpected verdict ${v.status}`);
  const methods = [...toPublicMethods(activeMethods(loaded.methods, ctx.settings)), ...passkeyMethods(keys)];
  const body = methods.length ? { code, twoFactorId: v.twoFactorId, methods } : { code, twoFactorId: v.twoFactorId };
  return { kind: "started", body };
}
