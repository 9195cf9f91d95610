/**
 * Passkey records: D1 access, FusionAuth's WebAuthnCredential JSON, the tenant's relying party, and
 * the passkey entries of a challenge's `methods`. The only write after registration is
 * `recordAssertion`, one conditional UPDATE that applies the counter rule atomically.
 */
import { and, eq, sql } from "drizzle-orm";
import type { AssertionResult, RelyingParty } from "../domain/webauthn-policy.ts";
import { ApiError } from "../errors.ts";
import type { TenantSettings, WebAuthnWorkflowName } from "../settings.ts";
import { passkeys } from "../storage/d1/schema.ts";
import type { ChallengeWebAuthn, PasskeyCandidate } from "../storage/durable-objects/user-guard-types.ts";
import type { Services } from "./container.ts";
import type { LoadedUser, PasskeyRow } from "./users.ts";
import { rowsChanged } from "../storage/d1/results.ts";
import type { EventInfo } from "../domain/events.ts";
import { methodsRemoved } from "./security-events.ts";

/** FusionAuth's WebAuthnCredential; `publicKey` is the COSE key (base64url), plus the backup flags. */
export function toCredentialJson(r: PasskeyRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: r.id,
    credentialId: r.credentialId,
    userId: r.userId,
    tenantId: r.tenantId,
    algorithm: r.algorithm,
    attestationType: "none",
    authenticatorSupportsUserVerification: r.userVerified,
    discoverable: r.discoverable ?? false,
    publicKey: r.publicKey,
    relyingPartyId: r.relyingPartyId,
    signCount: r.signCount,
    transports: r.transports,
    backupEligible: r.backupEligible,
    backedUp: r.backedUp,
    aaguid: r.aaguid,
    insertInstant: r.createdAt * 1000,
  };
  if (r.name !== null) out.name = r.name;
  if (r.displayName !== null) out.displayName = r.displayName;
  if (r.userAgent !== null) out.userAgent = r.userAgent;
  if (r.lastUsedAt !== null) out.lastUseInstant = r.lastUsedAt * 1000;
  return out;
}

/** The tenant's relying party, or null when WebAuthn is off (or not configured, which validation prevents). */
export function relyingParty(settings: TenantSettings): RelyingParty | null {
  const w = settings.webAuthnConfiguration;
  if (!w.enabled || !w.relyingPartyId || w.allowedOrigins.length === 0) return null;
  return { id: w.relyingPartyId, name: w.relyingPartyName ?? settings.issuer, origins: w.allowedOrigins };
}

/** The relying party for a workflow, or 400 `[WebAuthnDisabled]` when WebAuthn or that workflow is off. */
export function requireWorkflow(settings: TenantSettings, workflow: WebAuthnWorkflowName | null): RelyingParty {
  const rp = relyingParty(settings);
  if (!rp || (workflow && !settings.webAuthnConfiguration[workflow].enabled)) {
    throw ApiError.general("[WebAuthnDisabled]", "WebAuthn is not enabled for this tenant and workflow.");
  }
  return rp;
}

/** The user's passkeys that may serve as a second factor (tenant WebAuthn and its secondFactorWorkflow on). */
export function secondFactorPasskeys(loaded: LoadedUser, settings: TenantSettings): PasskeyRow[] {
  return relyingParty(settings) && settings.webAuthnConfiguration.secondFactorWorkflow.enabled ? loaded.passkeys : [];
}

/** The challenge snapshot of the relying party for second-factor passkeys. */
export function challengeWebAuthn(settings: TenantSettings): ChallengeWebAuthn | null {
  const rp = relyingParty(settings);
  if (!rp) return null;
  return {
    rpId: rp.id,
    rpName: rp.name,
    origins: rp.origins,
    userVerification: settings.webAuthnConfiguration.secondFactorWorkflow.userVerificationRequirement,
    ttlSeconds: settings.externalIdentifierConfiguration.webAuthnAuthenticationChallengeTimeToLiveInSeconds,
  };
}

export function toCandidate(r: PasskeyRow): PasskeyCandidate {
  return {
    id: r.id,
    credentialId: r.credentialId,
    publicKey: r.publicKey,
    signCount: r.signCount,
    transports: r.transports,
    backupEligible: r.backupEligible,
    userId: r.userId,
    name: r.name,
  };
}

/** A challenge's `methods` entry for a passkey (an extension of FusionAuth's method list). */
export function passkeyMethods(rows: PasskeyRow[]): Array<{ id: string; method: "webauthn"; name?: string }> {
  return rows.map((r) => (r.name ? { id: r.id, method: "webauthn", name: r.name } : { id: r.id, method: "webauthn" }));
}

/**
 * Persists a verified assertion: new counter, backup state and last use, only if the counter rule
 * still holds against the stored row (compare-and-set). False when a concurrent assertion got
 * there first, the counter went backwards, or the passkey was deleted meanwhile.
 */
export async function recordAssertion(
  s: Services,
  credentialId: string,
  result: AssertionResult,
  now: number,
): Promise<boolean> {
  const next = result.newSignCount;
  // The same rule as counterAcceptable (src/domain/webauthn-policy.ts), evaluated by D1 against the stored value.
  const res = await s.db
    .update(passkeys)
    .set({ signCount: next, backedUp: result.backedUp, lastUsedAt: now })
    .where(
      and(
        eq(passkeys.credentialId, credentialId),
        next === 0 ? eq(passkeys.signCount, 0) : sql`${passkeys.signCount} < ${next}`,
      ),
    );
  return rowsChanged(res) === 1;
}

export async function getCredential(s: Services, tenantId: string, id: string): Promise<PasskeyRow | null> {
  const rows = await s.db
    .select()
    .from(passkeys)
    .where(and(eq(passkeys.tenantId, tenantId), eq(passkeys.id, id)))
    .limit(1);
  return rows[0] ?? null;
}

export async function listCredentials(s: Services, tenantId: string, userId: string): Promise<PasskeyRow[]> {
  return s.db
    .select()
    .from(passkeys)
    .where(and(eq(passkeys.tenantId, tenantId), eq(passkeys.userId, userId)))
    .orderBy(passkeys.createdAt);
}

/** Deletes one passkey (by id) or all of a user's; returns how many went. */
export async function deleteCredentials(
  s: Services,
  tenantId: string,
  by: { id: string } | { userId: string },
): Promise<number> {
  const where =
    "id" in by
      ? and(eq(passkeys.tenantId, tenantId), eq(passkeys.id, by.id))
      : and(eq(passkeys.tenantId, tenantId), eq(passkeys.userId, by.userId));
  const res = await s.db.delete(passkeys).where(where);
  return rowsChanged(res);
}

/** Deletes one passkey the caller found (its tenant checked) and raises the removal event; false when already gone. */
export async function deletePasskey(s: Services, row: PasskeyRow, info?: EventInfo): Promise<boolean> {
  if ((await deleteCredentials(s, row.tenantId, { id: row.id })) !== 1) return false;
  await methodsRemoved(s, { tenantId: row.tenantId, userId: row.userId, info }, [
    { id: row.id, method: "webauthn", name: row.name },
  ]);
  return true;
}

/** Renames one of the user's passkeys (the label shown in lists); false when the user has no such passkey. */
export async function renamePasskey(
  s: Services,
  tenantId: string,
  userId: string,
  id: string,
  name: string,
): Promise<boolean> {
  const res = await s.db
    .update(passkeys)
    .set({ name })
    .where(and(eq(passkeys.tenantId, tenantId), eq(passkeys.userId, userId), eq(passkeys.id, id)));
  return rowsChanged(res) === 1;
}
