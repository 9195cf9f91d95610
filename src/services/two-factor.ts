/**
 * Managing a user's methods: the TOTP secret offer, enabling (code verified first), disabling (with
 * that method's code, or a recovery code that clears everything), recovery-code regeneration, and
 * trust status. Every code check goes through the user's Durable Object, so these paths share the
 * account lock and the TOTP replay guard with login.
 */
import { and, eq, inArray } from "drizzle-orm";
import { encryptSecret } from "../domain/crypto.ts";
import { base32Decode, base32Encode, base64Decode, base64Encode, base64UrlEncode } from "../domain/encoding.ts";
import { generateMethodId } from "../domain/ids.ts";
import { buildOtpauthURI, TOTP_SECRET_BYTES } from "../domain/totp.ts";
import { ApiError } from "../errors.ts";
import { MAX_TWO_FACTOR_ID_TTL_SECONDS } from "../settings.ts";
import { mfaMethods } from "../storage/d1/schema.ts";
import { parseTwoFactorId, totpAad } from "../storage/durable-objects/user-guard-ids.ts";
import type { GuardVerdict } from "../storage/durable-objects/user-guard-types.ts";
import { eventContext, lockoutPolicy, otpHash, type TenantContext } from "./tenant-context.ts";
import { methodAdded, methodsRemoved, recoveryCodesRegenerated } from "./security-events.ts";
import type { EventInfo } from "../domain/events.ts";
import type { Services } from "./container.ts";
import { generateNumericCode } from "../domain/otp-code.ts";
import { disableSlot } from "./oob-slots.ts";
import { factorOf, methodFactor } from "../factors/registry.ts";
import { consumeRecoveryCode, dropOrphanRecoveryCodes, newRecoveryCodeSet } from "./recovery-codes.ts";
import { loadUser, toUserJson, type LoadedUser, type MethodRow } from "./users.ts";
import type { auditInsert } from "./audit.ts";

/** GET /api/two-factor/secret: 160 random bits, as Base64 (`secret`) and Base32 (`secretBase32Encoded`). */
export function offerSecret(s: Services, issuer: string, account?: string) {
  const bytes = s.random(TOTP_SECRET_BYTES);
  const secretBase32Encoded = base32Encode(bytes);
  return {
    secret: base64Encode(bytes),
    secretBase32Encoded,
    otpauthURI: buildOtpauthURI({ issuer, account: account ?? issuer, secretBase32: secretBase32Encoded }),
  };
}

/** Decodes the secret the client sends back; both fields must describe the same bytes when both are present. */
export function decodeOfferedSecret(secret?: string, secretBase32Encoded?: string): Uint8Array {
  let fromB64: Uint8Array | undefined;
  let fromB32: Uint8Array | undefined;
  try {
    if (secret) fromB64 = base64Decode(secret);
    if (secretBase32Encoded) fromB32 = base32Decode(secretBase32Encoded);
  } catch {
    throw ApiError.field(
      secret ? "secret" : "secretBase32Encoded",
      "invalid",
      "The secret is not valid Base64 / Base32.",
    );
  }
  const key = fromB64 ?? fromB32;
  if (!key) throw ApiError.field("secret", "blank", "You must specify [secret] or [secretBase32Encoded].");
  if (fromB64 && fromB32 && base64Encode(fromB64) !== base64Encode(fromB32)) {
    throw ApiError.field(
      "secretBase32Encoded",
      "invalid",
      "[secret] and [secretBase32Encoded] describe different keys.",
    );
  }
  // FusionAuth's own secrets are 15 bytes; accept 10–64 so existing enrolments still work, issue 20.
  if (key.length < 10 || key.length > 64)
    throw ApiError.field("secret", "invalid", "The secret must be 10 to 64 bytes.");
  return key;
}

export function guardFailure(v: GuardVerdict): ApiError {
  if (v.status === "locked") return ApiError.locked(v.actions);
  return ApiError.invalidCode();
}

export async function requireUser(s: Services, ctx: TenantContext, userId: string): Promise<LoadedUser> {
  const loaded = await loadUser(s.db, ctx.tenant.id, { by: "id", id: userId });
  if (!loaded) throw ApiError.notFound();
  return loaded;
}

export type EnableInput = {
  /** A method factor's wire name (src/factors/registry.ts `METHOD_FACTORS`). */
  method: MethodRow["method"];
  code: string;
  secret?: string;
  secretBase32Encoded?: string;
  name?: string;
  twoFactorId?: string;
  /** Email and SMS methods: where the code from `POST /api/two-factor/send` went (src/services/oob-methods.ts). */
  email?: string;
  mobilePhone?: string;
  /** Where the request came from (events, alerts). */
  info?: EventInfo;
};

/** POST /api/user/two-factor/{userId}. First method → 10 recovery codes; with twoFactorId → a code completing that challenge. */
export async function enableMethod(
  s: Services,
  ctx: TenantContext,
  userId: string,
  input: EnableInput,
): Promise<Record<string, unknown>> {
  const factor = factorOf(input.method);
  if (factor?.enrolment !== "shared-secret" || !factor.enabled(ctx.settings)) {
    throw ApiError.field("method", "invalid", `The method [${input.method}] is not enabled for this tenant.`);
  }
  const key = decodeOfferedSecret(input.secret, input.secretBase32Encoded);
  const loaded = await requireUser(s, ctx, userId);
  const methodId = generateMethodId(s.random, new Set(loaded.methods.map((m) => m.id)));
  const guard = s.guard(ctx.tenant.id, userId);
  const now = s.now();
  const v = await guard.verifyDirect({
    candidates: [{ methodId, secret: base64UrlEncode(key) }],
    code: input.code,
    recoveryAllowed: false,
    policy: lockoutPolicy(ctx.settings),
    now,
    ev: eventContext(ctx, loaded, null, input.info),
  });
  if (v.status !== "verified") throw guardFailure(v);

  const owner = `${ctx.tenant.id}:${userId}`;
  const secretEnc = await encryptSecret(s.keyring, key, totpAad(owner, methodId), s.random);
  const row = {
    userId,
    id: methodId,
    tenantId: ctx.tenant.id,
    method: input.method,
    name: input.name ?? null,
    secretEnc,
    email: null,
    mobilePhone: null,
    lastUsedAt: null,
    createdAt: now,
  };
  return storeNewMethod(s, ctx, loaded, row, input.twoFactorId, now, input.info);
}

/** Stores a verified method. The first one brings 10 recovery codes; a twoFactorId brings a code completing that challenge. */
export async function storeNewMethod(
  s: Services,
  ctx: TenantContext,
  loaded: LoadedUser,
  row: typeof mfaMethods.$inferInsert,
  twoFactorId: string | undefined,
  now: number,
  info?: EventInfo,
): Promise<Record<string, unknown>> {
  const userId = row.userId;
  const insert = s.db.insert(mfaMethods).values(row);
  const body: Record<string, unknown> = {};
  if (loaded.methods.length === 0) {
    const set = await newRecoveryCodeSet(s, ctx.tenant.id, userId);
    await s.db.batch([insert, ...set.statements]);
    body.recoveryCodes = set.codes;
  } else {
    await insert;
  }
  await methodAdded(
    s,
    { tenantId: ctx.tenant.id, userId, info, user: toUserJson(loaded.user, loaded.methods) },
    { id: row.id, method: row.method, name: row.name ?? null },
  );
  if (twoFactorId) {
    const guard = s.guard(ctx.tenant.id, userId);
    const parsed = parseTwoFactorId(twoFactorId);
    const code = generateNumericCode(s.random, 6);
    if (
      parsed &&
      parsed.doId === guard.id.toString() &&
      (await guard.addChallengeCode(parsed.nonce, await otpHash(s, code), now))
    ) {
      body.code = code;
    }
  }
  return body;
}

export type DisableInput = { methodId?: string; code: string; info?: EventInfo };

/** DELETE /api/user/two-factor/{userId}: a method's own code removes it; a recovery code removes every method and code. */
export async function disableMethod(
  s: Services,
  ctx: TenantContext,
  userId: string,
  input: DisableInput,
): Promise<void> {
  const loaded = await requireUser(s, ctx, userId);
  const target = input.methodId ? loaded.methods.find((m) => m.id === input.methodId) : undefined;
  if (input.methodId && !target) throw ApiError.field("methodId", "invalid", "The method does not exist.");
  const owner = `${ctx.tenant.id}:${userId}`;
  const factor = target && methodFactor(target);
  const candidates =
    factor?.method.challengeCarries === "totp-key" && target!.secretEnc
      ? [{ methodId: target!.id, secretEnc: target!.secretEnc, owner }]
      : [];
  const guard = s.guard(ctx.tenant.id, userId);
  const policy = lockoutPolicy(ctx.settings);
  const now = s.now();
  // An email/SMS method's own code: the one `POST /api/two-factor/send` sent for disabling it.
  const oob =
    target && factor && factor.delivery !== "none"
      ? { slot: disableSlot(target.id), codeHash: await otpHash(s, input.code), channel: factor.delivery }
      : undefined;
  const ev = eventContext(ctx, loaded, null, input.info);
  let v = await guard.verifyDirect({
    candidates,
    code: input.code,
    recoveryAllowed: loaded.unusedRecoveryCodes > 0,
    policy,
    now,
    oob,
    ev,
  });
  if (v.status === "check_recovery") {
    v = await guard.settleDirect({
      consumed: await consumeRecoveryCode(s, ctx.tenant.id, userId, input.code),
      policy,
      now,
      ev,
    });
  }
  if (v.status !== "verified") throw guardFailure(v);

  const removeAll = v.method.kind === "recovery";
  if (!removeAll && !target) throw ApiError.field("methodId", "blank", "You must specify [methodId].");
  await removeMethods(s, ctx, loaded, removeAll ? loaded.methods.map((m) => m.id) : [target!.id], input.info);
}

/**
 * Removes the given methods of a loaded user (recovery codes go with the last one), tells the user's
 * Durable Object, and records `user.two-factor.remove`. `audit` is added to the same D1 batch (the
 * admin console's removal, which needs no code from the user).
 */
export async function removeMethods(
  s: Services,
  ctx: TenantContext,
  loaded: LoadedUser,
  removed: string[],
  info?: EventInfo,
  audit?: ReturnType<typeof auditInsert>,
): Promise<void> {
  const userId = loaded.user.id;
  const statements = [
    removed.length
      ? s.db.delete(mfaMethods).where(and(eq(mfaMethods.userId, userId), inArray(mfaMethods.id, removed)))
      : null,
    // Recovery codes belong to MFA as a whole: they go when the last method goes — decided by D1
    // in this batch, not from `loaded`, which a parallel removal may have made stale.
    dropOrphanRecoveryCodes(s, userId),
    audit ?? null,
  ].filter((x) => x !== null);
  if (statements.length)
    await s.db.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
  const now = s.now();
  await s
    .guard(ctx.tenant.id, userId)
    .removeMethods(removed, { now, retainStepsSeconds: MAX_TWO_FACTOR_ID_TTL_SECONDS });
  const gone = loaded.methods
    .filter((m) => removed.includes(m.id))
    .map((m) => ({ id: m.id, method: m.method, name: m.name }));
  const user = toUserJson(loaded.user, loaded.methods);
  await methodsRemoved(s, { tenantId: ctx.tenant.id, userId, info, user }, gone);
}

/** POST /api/user/two-factor/recovery-code/{userId}: a new set of 10; the old set dies in the same batch. */
export async function regenerateRecoveryCodes(
  s: Services,
  ctx: TenantContext,
  userId: string,
  info?: EventInfo,
): Promise<string[]> {
  const loaded = await requireUser(s, ctx, userId);
  if (loaded.methods.length === 0) throw ApiError.field("userId", "invalid", "The user has no two-factor methods.");
  const set = await newRecoveryCodeSet(s, ctx.tenant.id, userId);
  await s.db.batch([...set.statements]);
  await recoveryCodesRegenerated(s, {
    tenantId: ctx.tenant.id,
    userId,
    info,
    user: toUserJson(loaded.user, loaded.methods),
  });
  return set.codes;
}

/** GET …/recovery-code/{userId}: codes are stored hashed and cannot be shown again; the count can. */
export async function recoveryCodeStatus(s: Services, ctx: TenantContext, userId: string) {
  const loaded = await requireUser(s, ctx, userId);
  return { recoveryCodes: [] as string[], remainingRecoveryCodes: loaded.unusedRecoveryCodes };
}
