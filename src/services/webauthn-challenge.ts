/**
 * A passkey as the answer to a challenge (twoFactorId) for second factor and step-up, and the
 * helpers every passkey ceremony shares (./webauthn.ts and ./passkey-registration.ts use them). Kept
 * apart from ./webauthn.ts so ./complete-two-factor.ts can call it without an import cycle
 * (./webauthn.ts builds on ./challenges.ts).
 */
import { sha256 } from "../domain/crypto.ts";
import { hexEncode } from "../domain/encoding.ts";
import type { EventInfo } from "../domain/events.ts";
import {
  CHALLENGE_RANDOM_BYTES,
  newChallenge,
  readChallenge,
  verifyAssertion,
  type ChallengeStore,
  type CredentialJSON,
  type RelyingParty,
} from "../domain/webauthn-policy.ts";
import type { WebAuthnWorkflowName } from "../settings.ts";
import { ApiError } from "../errors.ts";
import type { CeremonyRecord, CompletedMethod, GuardVerdict } from "../storage/durable-objects/user-guard-types.ts";
import type { GuardApi, Services } from "./container.ts";
import { recordAssertion } from "./passkeys.ts";

/** Logs the precise reason; clients only ever see the generic `[WebAuthnFailed]`. */
export function failed(
  what: string,
  reason: string,
  detail?: string,
  who?: { tenantId: string; userId: string },
): ApiError {
  console.warn(JSON.stringify({ level: "warn", msg: "webauthn verification failed", what, reason, detail, ...who }));
  return ApiError.general("[WebAuthnFailed]", "The WebAuthn response could not be verified.");
}

export async function hashOf(challenge: Uint8Array): Promise<string> {
  return hexEncode(await sha256(challenge));
}

/** FusionAuth's credential JSON may omit `rawId`; the library wants it equal to `id`. */
export function normalize(c: CredentialJSON): CredentialJSON {
  return { ...c, rawId: c.rawId ?? c.id };
}

/** A new ceremony challenge and its hash (the key it is stored under). */
export async function freshChallenge(
  s: Services,
  store: ChallengeStore,
): Promise<{ challenge: Uint8Array; hash: string }> {
  const challenge = newChallenge(store, s.random(CHALLENGE_RANDOM_BYTES));
  return { challenge, hash: await hashOf(challenge) };
}

/** The request's own `origin`/`rpId` never drive verification; when sent, they must match the configuration. */
export function claimsMatch(rp: RelyingParty, claimed: { origin?: string; rpId?: string }): boolean {
  return (
    (claimed.origin === undefined || rp.origins.includes(claimed.origin)) &&
    (claimed.rpId === undefined || claimed.rpId === rp.id)
  );
}

/** The tenant setting that governs a ceremony workflow. */
export const workflowKey = (w: CeremonyRecord["workflow"]): WebAuthnWorkflowName | null =>
  w === "bootstrap"
    ? "bootstrapWorkflow"
    : w === "reauthentication"
      ? "reauthenticationWorkflow"
      : w === "secondFactor"
        ? "secondFactorWorkflow"
        : null;

/** For completeTwoFactor: takes the ceremony, verifies, persists the counter, settles. Returns the guard's verdict. */
export async function verifyChallengePasskey(
  s: Services,
  guard: GuardApi,
  input: {
    nonce: string;
    credential: CredentialJSON;
    now: number;
    expectTenantId: string | null;
    trustComputer: boolean;
    info?: EventInfo;
  },
): Promise<GuardVerdict> {
  const { nonce, credential, now } = input;
  const read = readChallenge(credential.response.clientDataJSON);
  // An unreadable challenge still costs the challenge an attempt: no stored ceremony matches "-".
  const v = await guard.takeChallengeCeremony({
    nonce,
    challengeHash: read?.store === "user" ? await hashOf(read.challenge) : "-",
    now,
    expectTenantId: input.expectTenantId,
    info: input.info,
  });
  if (v.status !== "check_passkey") {
    if (v.status === "invalid") failed("second_factor", "ceremony_not_found");
    return v;
  }
  const { challenge, ceremony } = v;
  const candidate = challenge.passkeys?.find((p) => p.credentialId === credential.id);
  const rp = challenge.webauthn;
  let method: CompletedMethod = { kind: "webauthn" };
  let ok = false;
  if (!candidate || !rp || !read) {
    failed("second_factor", "unknown_credential");
  } else {
    const result = await verifyAssertion({
      response: normalize(credential),
      challenge: read.challenge,
      rp: { id: rp.rpId, name: rp.rpName, origins: rp.origins },
      userVerification: ceremony.userVerification,
      credential: candidate,
      allowCredentialIds: ceremony.allowCredentialIds,
      requireUserHandle: false,
    });
    if (!result.ok) failed("second_factor", result.failure.reason, result.failure.detail);
    else if (!(await recordAssertion(s, candidate.credentialId, result.value, now)))
      failed("second_factor", "counter_update_refused");
    else {
      ok = true;
      method = { kind: "webauthn", methodId: candidate.id, backupEligible: result.value.backupEligible };
    }
  }
  return guard.settlePasskey({
    nonce,
    verified: ok,
    method,
    trustComputer: input.trustComputer,
    now,
    info: input.info,
  });
}
