/**
 * Passkey ceremonies: passwordless login and re-authentication (FusionAuth's
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
  passkeyAMR,
  readChallenge,
  verifyAssertion,
  type AssertionResult,
  type CredentialJSON,
} from "../domain/webauthn-policy.ts";
import { ApiError } from "../errors.ts";
import { passkeys, tenants } from "../storage/d1/schema.ts";
import { parseTwoFactorId } from "../storage/durable-objects/user-guard-ids.ts";
import type { CeremonyRecord } from "../storage/durable-objects/user-guard-types.ts";
import { finishFirstFactor } from "./challenges.ts";
import { lockedBy, type AssertOutcome, type Locked, type LoginOutcome } from "./outcomes.ts";
import { eventContext, loadApplication, tenantContext, type TenantContext } from "./tenant-context.ts";
import type { Services } from "./container.ts";
import { claimsMatch, failed, freshChallenge, hashOf, normalize, workflowKey } from "./webauthn-challenge.ts";
import { relyingParty, recordAssertion, requireWorkflow, toCandidate, toCredentialJson } from "./passkeys.ts";
import { loadUser, type PasskeyRow } from "./users.ts";
import { refuseFailure, throttleAssertion } from "./webauthn-throttle.ts";
import type { RequestFacts } from "../http/request-info.ts";

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
  const v = await guard.beginChallengeCeremony({
    nonce: parsed.nonce,
    challengeHash: hash,
    now,
    expectTenantId: ctx.tenant.id,
  });
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
 * throttles bound how often anyone can cause that. A locked account is still refused ("locked").
 */
async function verifyStandalone(
  s: Services,
  input: AssertionInput,
  headerTenantId: string | null,
): Promise<Verified | Locked> {
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
    if (taken.status === "locked") return lockedBy(taken);
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
  const settled = await guard.settleAssertion({ ok: result !== null, now, ev, reason: result ? undefined : reason });
  if (settled.status === "locked") return lockedBy(settled);
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
  const verified = await verifyStandalone(s, input, headerTenantId);
  if ("kind" in verified) return verified;
  const { row, ctx, record, result, now } = verified;
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
  if ((out.kind === "complete" || out.kind === "not-registered") && record.state) out.body.state = record.state;
  return out;
}

/** POST /api/webauthn/assert: verifies a passkey without logging in (re-authentication); answers the credential. */
export async function passkeyAssert(
  s: Services,
  input: AssertionInput,
  headerTenantId: string | null,
): Promise<AssertOutcome> {
  const verified = await verifyStandalone(s, input, headerTenantId);
  if ("kind" in verified) return verified;
  const { row, result, now } = verified;
  // A deactivated user's passkey proves nothing, as on /login (the ceremony may predate the deactivation).
  const loaded = await loadUser(s.db, row.tenantId, { by: "id", id: row.userId });
  if (!loaded?.user.active) throw failed("assertion", "user_inactive");
  return {
    kind: "verified",
    body: {
      credential: toCredentialJson({
        ...row,
        signCount: result.newSignCount,
        backedUp: result.backedUp,
        lastUsedAt: now,
      }),
    },
  };
}
