/** POST /api/two-factor/start: a challenge for step-up or a custom flow (API-key gated). */
import { generateNumericCode } from "../domain/otp-code.ts";
import { ApiError } from "../errors.ts";
import type { Services } from "./container.ts";
import { challengeInit } from "./challenge-init.ts";
import { passkeyMethods, secondFactorPasskeys } from "./passkeys.ts";
import { accessTokenSigner, trustTokenSigner } from "./signing-keys.ts";
import { challengeReads } from "./challenge-reads.ts";
import {
  activeMethods,
  keyedTenantRead,
  requireApplication,
  otpHash,
  tenantContext,
  type TenantContext,
  type UnconfirmedKey,
} from "./tenant-context.ts";
import { lockedBy, type StartOutcome } from "./outcomes.ts";
import { toPublicMethods, type UserLookup } from "./users.ts";
import { nothing, readTogether } from "../storage/d1/one-statement.ts";

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
  const applicationId = input.applicationId;
  // One SQL statement (issue 15): the user, the key check, the application, the registration and
  // the signing keys; only a tenant without a key yet (created on first need) reads again.
  const r = await readTogether(s.db, {
    ...challengeReads(tenantId, lookup, applicationId),
    keyTenant: "tenant" in tenant ? nothing : keyedTenantRead(tenantId, tenant.keyDigest),
  });
  let ctx: TenantContext;
  if ("tenant" in tenant) ctx = tenant;
  else if (r.keyTenant) ctx = tenantContext(r.keyTenant);
  else throw ApiError.unauthorized();
  const app = applicationId ? requireApplication(r.app) : null;
  const loaded = r.loaded;
  if (!loaded) return { kind: "not-found" };
  const signer = await accessTokenSigner(s, tenantId, app, r.keys);
  const trustSigner = await trustTokenSigner(s, tenantId, signer, r.keys);
  const registration = r.registration;
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
