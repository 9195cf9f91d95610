/**
 * The two send endpoints:
 * - `POST /api/two-factor/send/{twoFactorId}` (and `?twoFactorId=`), anonymous: a code for a login or
 *   step-up challenge, to one of the email/SMS methods the challenge snapshotted (`methodId`).
 * - `POST /api/two-factor/send` with an API key: a code for enabling a method (`method` + `email` |
 *   `mobilePhone`) or disabling one (`methodId`), stored in the user's object bound to purpose,
 *   method and destination.
 *
 * Each: validate → (refusals that need no counter) → SendLimiter buckets → the user's object (its
 * caps, then the new code replaces the old) → the provider. See oob-delivery.ts for the order's why.
 */
import { deliveryFactor, factorOf } from "../factors/registry.ts";
import { eq } from "drizzle-orm";
import { callingCodeAllowed, canonicalDestination, type Channel } from "../domain/destination.ts";
import { generateNumericCode } from "../domain/otp-code.ts";
import { ApiError } from "../errors.ts";
import { tenants } from "../storage/d1/schema.ts";
import { parseTwoFactorId } from "../storage/durable-objects/user-guard-ids.ts";
import { otpHash, tenantContext, type TenantContext } from "./tenant-context.ts";
import type { Services } from "./container.ts";
import { deliverCode, refundBuckets, requireSender, sendCommit, sendRefusal, takeBuckets } from "./oob-delivery.ts";
import { disableSlot, enableSlot } from "./oob-slots.ts";
import { requireUser } from "./two-factor.ts";

/** OOB codes are 6 digits (NIST SP 800-63B §5.1.3.2: ≥ 20 bits from an approved RBG). */
export const OOB_CODE_DIGITS = 6;

function channelEnabled(ctx: TenantContext, channel: Channel): boolean {
  return deliveryFactor(channel).enabled(ctx.settings);
}

/** SMS pumping defence: the tenant's country allowlist, checked before anything is counted. */
function checkAllowed(ctx: TenantContext, channel: Channel, destination: string): void {
  if (
    channel === "sms" &&
    !callingCodeAllowed(destination, ctx.settings.multiFactorConfiguration.sms.allowedCallingCodes)
  ) {
    throw ApiError.field("mobilePhone", "notAllowed", "Messages to this country or region are not allowed.");
  }
}

export type ChallengeSendInput = {
  twoFactorId: string;
  methodId?: string;
  headerTenantId: string | null;
  clientIp: string | null;
};

export async function sendChallengeCode(s: Services, input: ChallengeSendInput): Promise<void> {
  const parsed = parseTwoFactorId(input.twoFactorId);
  const guard = parsed && s.guardById(parsed.doId);
  if (!parsed || !guard) throw ApiError.notFound();
  const now = s.now();
  const methodId = input.methodId ?? null;
  const peek = await guard.peekChallengeSend({
    nonce: parsed.nonce,
    methodId,
    now,
    expectTenantId: input.headerTenantId,
  });
  if (peek.status !== "target") throw sendRefusal(peek, methodId !== null);
  const rows = await s.db.select().from(tenants).where(eq(tenants.id, peek.tenantId)).limit(1);
  if (!rows[0]) throw ApiError.notFound();
  const ctx = tenantContext(rows[0]);
  const { channel, destination } = peek.target;
  // A type the tenant switched off since the challenge started is not sent to.
  if (!channelEnabled(ctx, channel))
    throw ApiError.field("methodId", "invalid", "The method does not exist or cannot receive codes.");
  checkAllowed(ctx, channel, destination);
  requireSender(s, channel);

  const code = generateNumericCode(s.random, OOB_CODE_DIGITS);
  const receipts = await takeBuckets(
    s,
    { settings: ctx.settings, tenantId: ctx.tenant.id, channel, destination, clientIp: input.clientIp },
    now,
  );
  const v = await guard.commitChallengeSend({
    nonce: parsed.nonce,
    methodId,
    commit: sendCommit(ctx.settings, await otpHash(s, code), now),
    expectTenantId: input.headerTenantId,
  });
  if (v.status !== "sent") {
    await refundBuckets(s, receipts, now);
    throw sendRefusal(v, methodId !== null);
  }
  await deliverCode(s, {
    tenant: ctx.tenant,
    settings: ctx.settings,
    userId: peek.userId,
    purpose: "challenge",
    channel,
    destination,
    code,
    ttlSeconds: v.codeExpiresAt - now,
  });
}

export type MethodSendInput = {
  userId?: string;
  method?: "email" | "sms";
  email?: string;
  mobilePhone?: string;
  methodId?: string;
  messageType?: "SMS" | "Voice";
};

/** Where an enable/disable code goes, after every check that needs no counter. */
async function methodSendTarget(
  s: Services,
  ctx: TenantContext,
  userId: string,
  input: MethodSendInput,
): Promise<{ slot: string; channel: Channel; destination: string; purpose: "enable" | "disable" }> {
  const loaded = await requireUser(s, ctx, userId);
  if (input.methodId) {
    const m = loaded.methods.find((x) => x.id === input.methodId);
    const f = m ? factorOf(m.method) : undefined;
    const destination = m && f?.method && f.delivery !== "none" ? f.method.destination(m) : null;
    if (!m || !f || f.delivery === "none" || !destination)
      throw ApiError.field("methodId", "invalid", "The method does not exist or cannot receive codes.");
    return { slot: disableSlot(m.id), channel: f.delivery, destination, purpose: "disable" };
  }
  if (!input.method) throw ApiError.field("method", "blank", "You must specify [method] or [methodId].");
  const channel = input.method;
  if (!channelEnabled(ctx, channel))
    throw ApiError.field("method", "invalid", `The method [${channel}] is not enabled for this tenant.`);
  const factor = deliveryFactor(channel);
  const field = factor.method.field.name;
  const raw = input[field];
  if (!raw) throw ApiError.field(field, "blank", `You must specify [${field}].`);
  const destination = canonicalDestination(channel, raw);
  if (loaded.methods.some((m) => m.method === factor.wire && factor.method.destination(m) === destination)) {
    throw ApiError.field(
      field,
      "duplicate",
      `The user already has this ${channel === "email" ? "email address" : "number"} as a method.`,
    );
  }
  return { slot: enableSlot(channel), channel, destination, purpose: "enable" };
}

export async function sendMethodCode(s: Services, ctx: TenantContext, input: MethodSendInput): Promise<void> {
  if (!input.userId) throw ApiError.field("userId", "blank", "You must specify [userId].");
  if (input.messageType === "Voice")
    throw ApiError.field("messageType", "invalid", "Voice messages are not supported; use SMS.");
  const t = await methodSendTarget(s, ctx, input.userId, input);
  checkAllowed(ctx, t.channel, t.destination);
  requireSender(s, t.channel);

  const now = s.now();
  const code = generateNumericCode(s.random, OOB_CODE_DIGITS);
  const receipts = await takeBuckets(
    s,
    { settings: ctx.settings, tenantId: ctx.tenant.id, channel: t.channel, destination: t.destination, clientIp: null },
    now,
  );
  const v = await s
    .guard(ctx.tenant.id, input.userId)
    .commitSlotSend(t.slot, t.channel, t.destination, sendCommit(ctx.settings, await otpHash(s, code), now));
  if (v.status !== "sent") {
    await refundBuckets(s, receipts, now);
    throw sendRefusal(v, true);
  }
  await deliverCode(s, {
    tenant: ctx.tenant,
    settings: ctx.settings,
    userId: input.userId,
    purpose: t.purpose,
    channel: t.channel,
    destination: t.destination,
    code,
    ttlSeconds: v.codeExpiresAt - now,
  });
}
