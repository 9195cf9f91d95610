/** Shapes that cross the UserGuard RPC boundary (structured-clone friendly, no classes). */
import type { LockoutPolicy } from "../../domain/lockout.ts";
import type { TrustPolicy } from "../../settings.ts";

/** A TOTP key to try: either the AES-GCM ciphertext from D1 (`secretEnc`) or, at enrolment, the raw key (base64url). */
export type TotpCandidate = { methodId: string; secretEnc?: string; secret?: string; owner?: string };

/** What a completed challenge needs to answer without touching D1: it travels with the challenge. */
export type ChallengeInit = {
  tenantId: string;
  userId: string;
  applicationId: string | null;
  purpose: "login" | "step_up";
  ttlSeconds: number;
  /** `state` from /api/two-factor/start, echoed on completion. */
  state: Record<string, unknown> | null;
  trustChallenge: string | null;
  /** HMAC(pepper, "otp:" + code) of the start-supplied or generated one-time code; null for none. */
  codeHash: string | null;
  totp: TotpCandidate[];
  recoveryAvailable: boolean;
  /** The user JSON (no secrets) and the token settings for the LoginResponse. */
  user: Record<string, unknown>;
  token: { issuer: string; ttlSeconds: number; trustTtlSeconds: number; trustTokenTtlSeconds: number };
  /** The tenant's lockout policy, so the anonymous completion needs no D1 read. */
  policy: LockoutPolicy;
};

export type VerifyChallengeInput = {
  nonce: string;
  code: string;
  /** HMAC(pepper, "otp:" + code), compared with the challenge's one-time code. */
  codeHash: string;
  now: number;
  /** From X-FusionAuth-TenantId on the anonymous route; a mismatch answers like an unknown id. */
  expectTenantId: string | null;
  trustComputer: boolean;
};

export type ChallengeRecord = ChallengeInit & { expiresAt: number; attempts: number };

export type TrustQuery = { trustId: string | null; applicationId: string | null; trustPolicy: TrustPolicy };

export type CompletedMethod = { kind: "code" | "authenticator" | "recovery"; methodId?: string; step?: number };

export type GuardVerdict =
  | { status: "ok" }
  | { status: "trusted" }
  | { status: "challenge"; twoFactorId: string }
  | { status: "not_found" }
  | { status: "invalid" }
  | { status: "locked"; actions: Array<Record<string, unknown>>; lockedNow?: boolean }
  /** The code looks like a recovery code: consume it in D1, then settle. Challenges name their owner. */
  | { status: "check_recovery"; tenantId?: string; userId?: string }
  | { status: "completed"; challenge: ChallengeRecord; method: CompletedMethod; trust?: { trustId: string; expiration: number } }
  | { status: "verified"; method: CompletedMethod };
