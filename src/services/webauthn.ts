/**
 * Passkey ceremonies: registration, passwordless login and re-authentication (FusionAuth's
 * /api/webauthn/*), and a passkey as the answer to a challenge (twoFactorId) for second factor and
 * step-up (an extension).
 *
 * Order of every verification: read the challenge out of clientDataJSON (unverified), TAKE the
 * stored ceremony from its Durable Object (deleted before anything is verified, so it is single
 * use whatever happens next), verify through src/domain/webauthn-policy.ts, persist the counter
 * with a conditional UPDATE, then settle in the user's Durable Object, where a locked account is
 * refused (409). A failure answering a challenge (twoFactorId) counts like a wrong code; a failure on
 * the anonymous /login and /assert does not count toward the lock (a signature cannot be guessed):
 * it raises an event and is throttled per client IP and credential (./webauthn-throttle.ts).
 *
 * Clients see one generic answer for every verification failure (400 `[WebAuthnFailed]`, or 421 on
 * /api/two-factor/login like a wrong code); the precise reason goes to the log only.
 */
import { eq } from "drizzle-orm";
import {
  authenticationOptions,
  CHALLENGE_RANDOM_BYTES,
  newChallenge,
  passkeyAMR,
  readChallenge,
  registrationOptions,
  verifyAssertion,
  verifyRegistration,
  type AssertionResult,
  type ChallengeStore,
  type CredentialJSON,
  type RelyingParty,
} from "../domain/webauthn-policy.ts";
import { ApiError } from "../errors.ts";
import type { WebAuthnWorkflowName } from "../settings.ts";
import { passkeys, tenants } from "../storage/d1/schema.ts";
import { parseTwoFactorId } from "../storage/durable-objects/user-guard.ts";
import type { CeremonyRecord } from "../storage/durable-objects/user-guard-types.ts";
import { finishFirstFactor, type LoginOutcome } from "./challenges.ts";
import { eventContext, loadApplication, tenantContext, type TenantContext } from "./tenant-context.ts";
import type { Services } from "./container.ts";
import { failed, hashOf, normalize } from "./webauthn-challenge.ts";
import { relyingParty, recordAssertion, requireWorkflow, toCandidate, toCredentialJson } from "./passkeys.ts";
import { loadUser, type PasskeyRow } from "./users.ts";
import { methodAdded } from "./security-events.ts";
import { refuseFailure, throttleAssertion } from "./webauthn-throttle.ts";
import type { EventInfo } from "../domain/events.ts";
import type { RequestFacts } from "../http/request-info.ts";
import { constraintViolation } from "../storage/d1/results.ts";

async function freshChallenge(s: Services, store: ChallengeStore): Promise<{ challenge: Uint8Array; hash: string }> {
  const challenge = newChallenge(store, s.random(CHALLENGE_RANDOM_BYTES));
  return { challenge, hash: await hashOf(challenge) };
}

/** The request's own `origin`/`rpId` never drive verification; when sent, they must match the configuration. */
function claimsMatch(rp: RelyingParty, claimed: { origin?: string; rpId?: string }): boolean {
  return (
    (claimed.origin === undefined || rp.origins.includes(claimed.origin)) &&
    (claimed.rpId === undefined || claimed.rpId === rp.id)
  );
}

const workflowKey = (w: CeremonyRecord["workflow"]): WebAuthnWorkflowName | null =>
  w === "bootstrap"
    ? "bootstrapWorkflow"
    : w === "reauthentication"
      ? "reauthenticationWorkflow"
      : w === "secondFactor"
        ? "secondFactorWorkflow"
        : null;

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

// ---- authentication options ------------------------------------------------------------------

export type AuthenticationStartInput = {
  applicationId?: string;
  userId?: string;
  loginId?: string;
  credentialId?: string;
  state?: Record<string, unknown>;
  workflow?: "bootstrap" | "reauthentication";
  twoFactorId?: string;
};

/**
 * POST /api/webauthn/start: request options for a named user (challenge in their Durable Object),
 * for a discoverable login (no user: challenge in a PasskeyChallenge object of its own), or with
 * `twoFactorId` for a challenge's passkey (second factor, step-up).
 */
export async function startAuthentication(s: Services, ctx: TenantContext, input: AuthenticationStartInput) {
  const now = s.now();
  if (input.twoFactorId) return startChallengePasskey(s, ctx, input.twoFactorId, now);
  const workflow = input.workflow ?? "bootstrap";
  const key = workflowKey(workflow)!;
  const rp = requireWorkflow(ctx.settings, key);
  const userVerification = ctx.settings.webAuthnConfiguration[key].userVerificationRequirement;
  const ttl = ctx.settings.externalIdentifierConfiguration.webAuthnAuthenticationChallengeTimeToLiveInSeconds;
  const app = await loadApplication(s, ctx.tenant.id, input.applicationId);
  const base = {
    ceremony: "authentication" as const,
    tenantId: ctx.tenant.id,
    workflow,
    userVerification,
    applicationId: app?.id ?? null,
    state: input.state ?? null,
    expiresAt: now + ttl,
  };
  const options = (challenge: Uint8Array, allow: PasskeyRow[]) =>
    authenticationOptions({
      rpId: rp.id,
      challenge,
      timeoutMs: ttl * 1000,
      allow: allow.map((p) => ({ credentialId: p.credentialId, transports: p.transports })),
      userVerification,
    });

  if (!input.userId && !input.loginId) {
    if (workflow !== "bootstrap")
      throw ApiError.field("userId", "blank", "You must specify [userId] or [loginId] for re-authentication.");
    const { challenge, hash } = await freshChallenge(s, "discoverable");
    await s.passkeyChallenge(hash).put(hash, { ...base, userId: null, allowCredentialIds: [] }, now);
    return { options: await options(challenge, []) };
  }
  const loaded = await loadUser(
    s.db,
    ctx.tenant.id,
    input.userId ? { by: "id", id: input.userId } : { by: "loginId", loginId: input.loginId! },
  );
  if (!loaded) throw ApiError.notFound();
  // FusionAuth's client types `credentialId` as the WebAuthnCredential's UUID; the raw credential id is accepted too.
  const allow = input.credentialId
    ? loaded.passkeys.filter((p) => p.id === input.credentialId || p.credentialId === input.credentialId)
    : loaded.passkeys;
  if (input.credentialId && allow.length === 0)
    throw ApiError.field("credentialId", "invalid", "The credential does not exist.");
  const { challenge, hash } = await freshChallenge(s, "user");
  const v = await s
    .guard(ctx.tenant.id, loaded.user.id)
    .putCeremony(hash, { ...base, userId: loaded.user.id, allowCredentialIds: allow.map((p) => p.credentialId) }, now);
  if (v.status === "locked") throw ApiError.locked(v.actions);
  return { options: await options(challenge, allow) };
}

async function startChallengePasskey(s: Services, ctx: TenantContext, twoFactorId: string, now: number) {
  const parsed = parseTwoFactorId(twoFactorId);
  const guard = parsed && s.guardById(parsed.doId);
  if (!parsed || !guard) throw ApiError.notFound();
  const { challenge, hash } = await freshChallenge(s, "user");
  const v = await guard.beginChallengeCeremony(parsed.nonce, hash, now, ctx.tenant.id);
  if (v.status === "locked") throw ApiError.locked(v.actions);
  if (v.status !== "passkey_options") throw ApiError.notFound();
  const { webauthn } = v;
  const allow = v.passkeys.map((p) => ({ credentialId: p.credentialId, transports: p.transports }));
  return {
    options: await authenticationOptions({
      rpId: webauthn.rpId,
      challenge,
      timeoutMs: webauthn.ttlSeconds * 1000,
      allow,
      userVerification: webauthn.userVerification,
    }),
  };
}

// ---- passwordless login and re-authentication -------------------------------------------------

export type AssertionInput = {
  origin?: string;
  rpId?: string;
  credential: CredentialJSON;
  twoFactorTrustId?: string;
  applicationId?: string;
  noJWT?: boolean;
  facts?: RequestFacts;
  /** The client's throttle bucket (src/domain/client-ip.ts); null when Cloudflare named no address. */
  clientIp?: string | null;
};

type Verified = { row: PasskeyRow; ctx: TenantContext; record: CeremonyRecord; result: AssertionResult; now: number };

/**
 * Shared by /api/webauthn/login and /assert: throttle, consume, verify, persist, settle; throws the
 * generic failure. A failure does not count toward the account's guessing lock (a signature cannot
 * be guessed; ./webauthn-throttle.ts): it is logged and raises `user.login.failed`, and the
 * throttles bound how often anyone can cause that. A locked account is still refused (409).
 */
async function verifyStandalone(s: Services, input: AssertionInput, headerTenantId: string | null): Promise<Verified> {
  const now = s.now();
  const throttle = await throttleAssertion(s, input.clientIp ?? null, input.credential.id, now);
  const refuse = (reason: string) => (throttle ? refuseFailure(throttle, reason) : failed("assertion", reason));
  const read = readChallenge(input.credential.response.clientDataJSON);
  if (!read) throw refuse("challenge_unreadable");
  const hash = await hashOf(read.challenge);
  const [found] = await s.db
    .select({ p: passkeys, t: tenants })
    .from(passkeys)
    .innerJoin(tenants, eq(tenants.id, passkeys.tenantId))
    .where(eq(passkeys.credentialId, input.credential.id))
    .limit(1);
  if (!found || (headerTenantId !== null && headerTenantId !== found.p.tenantId)) {
    // Nobody to report to; a discoverable ceremony is still used up.
    if (read.store === "discoverable")
      await s.passkeyChallenge(hash).take(hash, { ceremony: "authentication", tenantId: null }, now);
    throw refuse("unknown_credential");
  }
  const row = found.p;
  const ctx = tenantContext(found.t);
  const guard = s.guard(row.tenantId, row.userId);
  const expect = { ceremony: "authentication" as const, tenantId: row.tenantId };
  let record: CeremonyRecord | "in_flight" | null;
  if (read.store === "user") {
    const taken = await guard.takeCeremony(hash, expect, now);
    if (taken.status === "locked") throw ApiError.locked(taken.actions);
    record = taken.status === "ceremony" ? taken.record : taken.status === "in_flight" ? "in_flight" : null;
  } else {
    record = await s.passkeyChallenge(hash).take(hash, expect, now);
  }
  // A copy racing the first submission of this challenge: refused without an event (ceremonies.ts).
  if (record === "in_flight") throw refuse("in_flight");
  let result: AssertionResult | null = null;
  let reason = "challenge_not_found";
  let detail: string | undefined;
  const rp = relyingParty(ctx.settings);
  const key = record && workflowKey(record.workflow);
  if (
    record &&
    rp &&
    key &&
    ctx.settings.webAuthnConfiguration[key].enabled &&
    (record.userId === null || record.userId === row.userId) &&
    claimsMatch(rp, input)
  ) {
    const r = await verifyAssertion({
      response: normalize(input.credential),
      challenge: read.challenge,
      rp,
      userVerification: record.userVerification,
      credential: toCandidate(row),
      allowCredentialIds: record.allowCredentialIds,
      requireUserHandle: record.userId === null,
    });
    if (!r.ok) ({ reason, detail } = r.failure);
    else if (!(await recordAssertion(s, row.credentialId, r.value, now))) reason = "counter_update_refused";
    else result = r.value;
  } else if (record) {
    reason = "ceremony_mismatch";
  }
  if (!result && throttle) throw refuseFailure(throttle, reason);
  // A failure's event names the user (FusionAuth's user JSON); a success needs no event here.
  const loaded = result ? null : await loadUser(s.db, row.tenantId, { by: "id", id: row.userId });
  const ev = loaded ? eventContext(ctx, loaded, record?.applicationId ?? null, input.facts?.info) : undefined;
  const settled = await guard.settleAssertion(result !== null, now, ev, result ? undefined : reason);
  if (settled.status === "locked") throw ApiError.locked(settled.actions);
  if (!result || !record) throw failed("assertion", reason, detail, { tenantId: row.tenantId, userId: row.userId });
  return { row, ctx, record, result, now };
}

/**
 * POST /api/webauthn/login: a passkey as the first factor. With user verification it is a
 * multi-factor authenticator (NIST SP 800-63B §5.1.9) and logs in (200); without, the login policy
 * decides as after a password, so the answer may be 242 (another factor, not a passkey).
 */
export async function passkeyLogin(
  s: Services,
  input: AssertionInput,
  headerTenantId: string | null,
): Promise<LoginOutcome> {
  const { row, ctx, record, result, now } = await verifyStandalone(s, input, headerTenantId);
  const [loaded, app] = await Promise.all([
    loadUser(s.db, row.tenantId, { by: "id", id: row.userId }),
    loadApplication(s, row.tenantId, input.applicationId ?? record.applicationId ?? undefined),
  ]);
  if (!loaded?.user.active) throw failed("assertion", "user_inactive");
  const factor = passkeyAMR(result.backupEligible);
  const first = result.userVerified
    ? { amr: [factor, "mfa"], passkey: true, multiFactor: true }
    : { amr: [factor], passkey: true };
  const out = await finishFirstFactor(
    s,
    ctx,
    loaded,
    app,
    { twoFactorTrustId: input.twoFactorTrustId, noJWT: input.noJWT, state: record.state, facts: input.facts },
    first,
    now,
  );
  if (out.status === 200 && record.state) out.body.state = record.state;
  return out;
}

/** POST /api/webauthn/assert: verifies a passkey without logging in (re-authentication); answers the credential. */
export async function passkeyAssert(s: Services, input: AssertionInput, headerTenantId: string | null) {
  const { row, result, now } = await verifyStandalone(s, input, headerTenantId);
  return {
    credential: toCredentialJson({
      ...row,
      signCount: result.newSignCount,
      backedUp: result.backedUp,
      lastUsedAt: now,
    }),
  };
}
