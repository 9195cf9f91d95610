/**
 * POST /api/two-factor/login (completion). It makes one Durable Object call and no D1 read before it
 * answers: everything the answer needs travels with the challenge. A recovery code is the one
 * exception (one conditional D1 UPDATE, then a second DO call to settle).
 */
import { and, eq } from "drizzle-orm";
import { mfaMethods } from "../storage/d1/schema.ts";
import { parseTwoFactorId } from "../storage/durable-objects/user-guard-ids.ts";
import type { ChallengeInit, CompletedMethod } from "../storage/durable-objects/user-guard-types.ts";
import type { EventInfo } from "../domain/events.ts";
import type { Services } from "./container.ts";
import { passkeyAMR, type CredentialJSON } from "../domain/webauthn-policy.ts";
import { verifyChallengePasskey } from "./webauthn-challenge.ts";
import { consumeRecoveryCode } from "./recovery-codes.ts";
import { mintAccessToken, mintTrustToken } from "./tokens.ts";
import { tenantSigner, trustTokenSigner, type SignerRef } from "./signing-keys.ts";

import { otpHash } from "./tenant-context.ts";
import { lockedBy, type CompletionOutcome } from "./outcomes.ts";

/** `code` or, for a passkey (an extension), `webauthn`: the assertion for a ceremony started with this twoFactorId. */
export type CompleteInput = {
  twoFactorId: string;
  code?: string;
  webauthn?: CredentialJSON;
  trustComputer?: boolean;
  noJWT?: boolean;
  info?: EventInfo;
};

const NOT_FOUND = { kind: "not-found" } as const;
const INVALID_CODE = { kind: "invalid-code" } as const;

/** POST /api/two-factor/login: complete (or not-registered), not-found (unknown/expired id), invalid-code, locked. */
export async function completeTwoFactor(
  s: Services,
  input: CompleteInput,
  headerTenantId: string | null,
): Promise<CompletionOutcome> {
  const parsed = parseTwoFactorId(input.twoFactorId);
  const guard = parsed && s.guardById(parsed.doId);
  if (!parsed || !guard) return NOT_FOUND;
  const now = s.now();
  const trustComputer = input.trustComputer === true;
  const code = input.code ?? "";
  const info = input.info ?? {};
  let v = input.webauthn
    ? await verifyChallengePasskey(s, guard, {
        nonce: parsed.nonce,
        credential: input.webauthn,
        now,
        expectTenantId: headerTenantId,
        trustComputer,
        info,
      })
    : await guard.verifyChallenge({
        nonce: parsed.nonce,
        code,
        codeHash: await otpHash(s, code),
        now,
        expectTenantId: headerTenantId,
        trustComputer,
        info,
      });
  if (v.status === "check_recovery") {
    const consumed =
      v.tenantId !== undefined && v.userId !== undefined && (await consumeRecoveryCode(s, v.tenantId, v.userId, code));
    v = await guard.settleRecovery({ nonce: parsed.nonce, consumed, trustComputer, now, info });
  }
  switch (v.status) {
    case "completed":
      break;
    case "locked":
      return lockedBy(v);
    case "invalid":
      return INVALID_CODE;
    default:
      return NOT_FOUND;
  }
  const { challenge, method, trust, proofEpoch } = v;
  // The write only moves `lastUsed` when the user's previous completion used another method.
  if (method.methodId && method.kind !== "webauthn" && method.lastUsedChanged !== false) {
    s.defer(
      s.db
        .update(mfaMethods)
        .set({ lastUsedAt: now })
        .where(and(eq(mfaMethods.userId, challenge.userId), eq(mfaMethods.id, method.methodId))),
    );
  }
  const amr = amrFor(challenge, method);
  const body: Record<string, unknown> = { user: challenge.user };
  if (!input.noJWT) {
    Object.assign(
      body,
      await mintAccessToken(s, {
        tenantId: challenge.tenantId,
        userId: challenge.userId,
        applicationId: challenge.applicationId,
        issuer: challenge.token.issuer,
        ttlSeconds: challenge.token.ttlSeconds,
        authTime: now,
        amr,
        ...(challenge.token.authenticationType ? { authenticationType: challenge.token.authenticationType } : {}),
        email: typeof challenge.user.email === "string" ? challenge.user.email : undefined,
        // A challenge started before signing keys existed carries none: the one D1 read left on this path.
        signer: challenge.token.signer ?? (await tenantSigner(s, challenge.tenantId)),
        ...(challenge.token.roles ? { roles: challenge.token.roles } : {}),
      }),
    );
  }
  if (challenge.state) body.state = challenge.state;
  body.trustToken = await mintTrustToken(s, {
    tenantId: challenge.tenantId,
    userId: challenge.userId,
    applicationId: challenge.applicationId,
    ttlSeconds: challenge.token.trustTokenTtlSeconds,
    trustChallenge: challenge.trustChallenge,
    proofEpoch,
    signer: await trustSignerOf(s, challenge),
  });
  if (trust) body.twoFactorTrustId = trust.trustId;
  return {
    // Completed, but the user is not registered for the challenge's application (FusionAuth's Login API: 202).
    kind: challenge.applicationId && !challenge.token.roles ? "not-registered" : "complete",
    body,
    trust: trust ? { id: trust.trustId, maxAgeSeconds: trust.expiration - now } : null,
  };
}

/** The trust-token key that travels with the challenge; a challenge started before it did reads the tenant's. */
function trustSignerOf(s: Services, challenge: ChallengeInit): Promise<SignerRef> {
  const { signer, trustSigner } = challenge.token;
  if (trustSigner) return Promise.resolve(trustSigner);
  return signer ? trustTokenSigner(s, challenge.tenantId, signer) : tenantSigner(s, challenge.tenantId);
}

function amrFor(challenge: ChallengeInit, method: CompletedMethod): string[] {
  // TOTP, one-time codes and recovery (look-up) codes are all "otp" in RFC 8176 terms; a passkey is hwk or swk.
  const factor = method.kind === "webauthn" ? passkeyAMR(method.backupEligible === true) : "otp";
  return challenge.purpose === "login" ? [...(challenge.firstFactor ?? ["pwd"]), factor, "mfa"] : [factor];
}
