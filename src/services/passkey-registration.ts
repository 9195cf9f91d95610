/**
 * Passkey registration (FusionAuth's /api/webauthn/register/start and /complete): the ceremony is
 * stored in the user's Durable Object, taken before the response is verified (single use), and the
 * credential is inserted once verified (a credential id is unique service-wide, WebAuthn L3 §7.1
 * step 26).
 */
import {
  readChallenge,
  registrationOptions,
  verifyRegistration,
  type CredentialJSON,
} from "../domain/webauthn-policy.ts";
import { ApiError } from "../errors.ts";
import { passkeys } from "../storage/d1/schema.ts";
import type { TenantContext } from "./tenant-context.ts";
import type { Services } from "./container.ts";
import { claimsMatch, failed, freshChallenge, hashOf, normalize, workflowKey } from "./webauthn-challenge.ts";
import { requireWorkflow, toCredentialJson } from "./passkeys.ts";
import { loadUser, type PasskeyRow } from "./users.ts";
import { methodAdded } from "./security-events.ts";
import type { EventInfo } from "../domain/events.ts";
import { constraintViolation } from "../storage/d1/results.ts";

// ---- registration ----------------------------------------------------------------------------

export type RegistrationStartInput = {
  userId: string;
  displayName: string;
  name?: string;
  userAgent?: string;
  workflow: "bootstrap" | "general" | "reauthentication";
};

/** POST /api/webauthn/register/start: creation options; the challenge waits in the user's Durable Object. */
export async function startRegistration(s: Services, ctx: TenantContext, input: RegistrationStartInput) {
  const key = workflowKey(input.workflow);
  const rp = requireWorkflow(ctx.settings, key);
  const loaded = await loadUser(s.db, ctx.tenant.id, { by: "id", id: input.userId });
  if (!loaded) throw ApiError.notFound();
  const wf = key
    ? ctx.settings.webAuthnConfiguration[key]
    : { authenticatorAttachmentPreference: "any" as const, userVerificationRequirement: "preferred" as const };
  const ttl = ctx.settings.externalIdentifierConfiguration.webAuthnRegistrationChallengeTimeToLiveInSeconds;
  const now = s.now();
  const { challenge, hash } = await freshChallenge(s, "user");
  const options = await registrationOptions({
    rp,
    userId: loaded.user.id,
    userName: loaded.user.email ?? loaded.user.username ?? loaded.user.id,
    displayName: input.displayName,
    challenge,
    timeoutMs: ttl * 1000,
    exclude: loaded.passkeys.map((p) => ({ credentialId: p.credentialId, transports: p.transports })),
    attachment: wf.authenticatorAttachmentPreference,
    userVerification: wf.userVerificationRequirement,
    residentKey: input.workflow === "bootstrap" ? "required" : "preferred",
  });
  await s.guard(ctx.tenant.id, loaded.user.id).putCeremony(
    hash,
    {
      ceremony: "registration",
      tenantId: ctx.tenant.id,
      userId: loaded.user.id,
      workflow: input.workflow,
      userVerification: wf.userVerificationRequirement,
      allowCredentialIds: [],
      applicationId: null,
      state: null,
      expiresAt: now + ttl,
      registration: { name: input.name ?? null, displayName: input.displayName, userAgent: input.userAgent ?? null },
    },
    now,
  );
  return { options };
}

export type RegistrationCompleteInput = {
  userId: string;
  origin?: string;
  rpId?: string;
  credential: CredentialJSON;
  info?: EventInfo;
};

/** POST /api/webauthn/register/complete: verifies the attestation and stores the passkey. */
export async function completeRegistration(s: Services, ctx: TenantContext, input: RegistrationCompleteInput) {
  const rp = requireWorkflow(ctx.settings, null);
  const read = readChallenge(input.credential.response.clientDataJSON);
  if (read?.store !== "user") throw failed("registration", "challenge_unreadable");
  const now = s.now();
  const v = await s
    .guard(ctx.tenant.id, input.userId)
    .takeCeremony(await hashOf(read.challenge), { ceremony: "registration", tenantId: ctx.tenant.id }, now);
  if (v.status !== "ceremony" || v.record.userId !== input.userId) throw failed("registration", "challenge_not_found");
  if (!claimsMatch(rp, input)) throw failed("registration", "claimed_origin_or_rp_mismatch");
  const result = await verifyRegistration({
    response: normalize(input.credential),
    challenge: read.challenge,
    rp,
    userVerification: v.record.userVerification,
  });
  if (!result.ok) throw failed("registration", result.failure.reason, result.failure.detail);
  const c = result.value;
  const meta = v.record.registration;
  const row: PasskeyRow = {
    id: crypto.randomUUID(),
    credentialId: c.credentialId,
    tenantId: ctx.tenant.id,
    userId: input.userId,
    publicKey: c.publicKey,
    algorithm: c.algorithm,
    signCount: c.signCount,
    transports: c.transports,
    backupEligible: c.backupEligible,
    backedUp: c.backedUp,
    userVerified: c.userVerified,
    discoverable: c.discoverable,
    aaguid: c.aaguid,
    relyingPartyId: rp.id,
    name: meta?.name ?? null,
    displayName: meta?.displayName ?? null,
    userAgent: meta?.userAgent ?? null,
    createdAt: now,
    lastUsedAt: null,
  };
  try {
    await s.db.insert(passkeys).values(row);
  } catch (err) {
    const violated = constraintViolation(err)?.kind;
    // WebAuthn L3 §7.1 step 26: a credential id registered to anyone (any user, any tenant) is refused.
    if (violated === "unique")
      throw ApiError.field("credential.id", "duplicate", "This credential is already registered.");
    if (violated === "foreign-key") throw ApiError.notFound();
    throw err;
  }
  await methodAdded(
    s,
    { tenantId: ctx.tenant.id, userId: input.userId, info: input.info },
    { id: row.id, method: "webauthn", name: row.name },
  );
  return { credential: toCredentialJson(row) };
}
