/**
 * Enabling an email or SMS method (`POST /api/user/two-factor/{userId}` with `method: email|sms`):
 * the code must be the one `POST /api/two-factor/send` sent for enabling that method, to the same
 * destination (`[mismatch]email` / `[mismatch]mobilePhone` otherwise, as FusionAuth's Enable Multi-Factor API answers).
 * The check runs in the user's object, so wrong codes count toward the same account lock as login.
 */
import { canonicalDestination } from "../domain/destination.ts";
import { generateMethodId } from "../domain/ids.ts";
import { ApiError } from "../errors.ts";
import { eventContext, lockoutPolicy, otpHash, type TenantContext } from "./tenant-context.ts";
import type { Services } from "./container.ts";
import { deliveryFactor } from "../factors/registry.ts";
import { enableSlot } from "./oob-slots.ts";
import { guardFailure, requireUser, storeNewMethod, type EnableInput } from "./two-factor.ts";

export async function enableOobMethod(
  s: Services,
  ctx: TenantContext,
  userId: string,
  input: EnableInput & { method: "email" | "sms" },
): Promise<Record<string, unknown>> {
  const channel = input.method;
  const factor = deliveryFactor(channel);
  if (!factor.enabled(ctx.settings)) {
    throw ApiError.field("method", "invalid", `The method [${channel}] is not enabled for this tenant.`);
  }
  const field = factor.method.field.name;
  const raw = input[field];
  if (!raw) throw ApiError.field(field, "blank", `You must specify [${field}].`);
  const destination = canonicalDestination(channel, raw);
  const loaded = await requireUser(s, ctx, userId);
  const now = s.now();
  const check = { slot: enableSlot(channel), codeHash: await otpHash(s, input.code), destination, channel };
  const v = await s.guard(ctx.tenant.id, userId).verifyDirect({
    candidates: [],
    code: input.code,
    recoveryAllowed: false,
    policy: lockoutPolicy(ctx.settings),
    now,
    oob: check,
    ev: eventContext(ctx, loaded, null, input.info),
  });
  if (v.status === "mismatch")
    throw ApiError.field(field, "mismatch", `The [${field}] does not match where the code was sent.`);
  if (v.status !== "verified") throw guardFailure(v);

  const methodId = generateMethodId(s.random, new Set(loaded.methods.map((m) => m.id)));
  const row = {
    userId,
    id: methodId,
    tenantId: ctx.tenant.id,
    method: channel,
    name: input.name ?? null,
    secretEnc: null,
    email: null,
    mobilePhone: null,
    [field]: destination,
    lastUsedAt: null,
    createdAt: now,
  };
  return storeNewMethod(s, ctx, loaded, row, input.twoFactorId, now);
}
