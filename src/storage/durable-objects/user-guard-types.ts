/** Shapes that cross the UserGuard RPC boundary (structured-clone friendly, no classes). */
import type { LockoutPolicy } from "../../domain/lockout.ts";
import type { TrustPolicy } from "../../settings.ts";
import type { EventInfo } from "../../domain/events.ts";
import type { LoginSignals, RiskAssessment, RiskLoginPolicy } from "../../domain/risk.ts";
import type { StoredCredential } from "../../domain/webauthn-policy.ts";
import type { EventContext } from "./guard-events.ts";

/** A login's risk inputs: the (hashed) device and Cloudflare's location, the policy, and who to report. */
export type LoginContext = {
  ev: EventContext;
  signals: LoginSignals;
  riskPolicy: RiskLoginPolicy | null;
  authenticationType: string;
};

/** A TOTP key to try: either the AES-GCM ciphertext from D1 (`secretEnc`) or, at enrolment, the raw key (base64url). */
export type TotpCandidate = { methodId: string; secretEnc?: string; secret?: string; owner?: string };

/** A user's passkey as snapshotted into a challenge, so the second-factor path needs no D1 read to verify. */
export type PasskeyCandidate = StoredCredential & {
  /** The passkey's UUID (its `methodId` in the challenge's `methods`). */
  id: string;
  name: string | null;
};

/** The tenant's relying party and the second-factor workflow's UV rule, snapshotted at challenge start. */
export type ChallengeWebAuthn = {
  rpId: string;
  rpName: string;
  origins: string[];
  userVerification: "required" | "preferred" | "discouraged";
  ttlSeconds: number;
};

/** A WebAuthn ceremony challenge at rest (src/storage/durable-objects/ceremonies.ts). */
export type CeremonyRecord = {
  ceremony: "registration" | "authentication" | "second_factor";
  tenantId: string;
  /** null only for a discoverable login, where the credential names the user. */
  userId: string | null;
  workflow: "bootstrap" | "general" | "reauthentication" | "secondFactor";
  userVerification: "required" | "preferred" | "discouraged";
  /** The options' allowCredentials (credential ids); empty = any of the user's. */
  allowCredentialIds: string[];
  applicationId: string | null;
  state: Record<string, unknown> | null;
  expiresAt: number;
  /** second_factor: the storage key of the challenge (twoFactorId) this ceremony completes. */
  challengeKey?: string;
  registration?: { name: string | null; displayName: string; userAgent: string | null };
};

/** An email or SMS method as snapshotted into a challenge: where `POST /api/two-factor/send/{id}` sends its code. */
export type OobTarget = { methodId: string; channel: "email" | "sms"; destination: string };

/** A signing key as a challenge carries it: the private half stays AES-GCM sealed (src/services/signing-keys.ts). */
export type SignerRef = {
  id: string;
  tenantId: string;
  kid: string;
  alg: "RS256" | "ES256" | "HS256";
  privateEnc: string;
};

/** What a completed challenge needs to answer without touching D1: it travels with the challenge. */
export type ChallengeInit = {
  tenantId: string;
  userId: string;
  applicationId: string | null;
  purpose: "login" | "step_up";
  /**
   * True only for a login of a user with no usable second factor at its start (FusionAuth's
   * enrol-during-login): only then may the enrolment code (`addChallengeCode`) complete it.
   */
  enrolment: boolean;
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
  token: {
    issuer: string;
    ttlSeconds: number;
    trustTtlSeconds: number;
    trustTokenTtlSeconds: number;
    /** FusionAuth's `authenticationType` of a login (PASSWORD, WEBAUTHN); absent for step-up. */
    authenticationType?: string;
    /** The access-token key, resolved when the challenge starts (absent only in challenges started before keys existed). */
    signer?: SignerRef;
    /** The trust-token key when it is not `signer` (an application signing access tokens with an HMAC key). */
    trustSigner?: SignerRef;
    /**
     * The user's roles in `applicationId`, read when the challenge starts; absent when the user is
     * not registered for it (completion answers 202, the token has no `applicationId`/`roles`).
     */
    roles?: string[];
  };
  /** The tenant's lockout policy, so the anonymous completion needs no D1 read. */
  policy: LockoutPolicy;
  /** The user's email/SMS methods (tenant-enabled types only). */
  oob?: OobTarget[];
  /** The user's passkeys and the relying party, when passkeys may serve as the second factor. */
  passkeys?: PasskeyCandidate[];
  webauthn?: ChallengeWebAuthn | null;
  /** RFC 8176 values of the first factor of a login challenge (default `["pwd"]`). */
  firstFactor?: string[];
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
  /** The completing request's EventInfo, for the events the outcome causes. */
  info?: EventInfo;
};

export type ChallengeRecord = ChallengeInit & {
  expiresAt: number;
  attempts: number;
  /** Email/SMS sends of this challenge (src/storage/durable-objects/oob-codes.ts). */
  sends?: number;
  lastSendAt?: number;
  /** When `codeHash` stops being accepted; null/absent = with the challenge (a start-supplied code). */
  codeExpiresAt?: number | null;
  /** The method the current code was sent through (for `lastUsed`). */
  codeMethodId?: string | null;
  /**
   * Until when a recovery code submitted to this challenge is being consumed in D1: meanwhile no
   * other answer may complete, fail or expire the challenge, so a consumed code always completes it.
   */
  recoveryHoldUntil?: number;
  /** Login challenges: the risk judged at start, remembered into the history on success. */
  login?: { signals: LoginSignals; risk: RiskAssessment; alerted: boolean; authenticationType: string };
};

export type TrustQuery = { trustId: string | null; applicationId: string | null; trustPolicy: TrustPolicy };

export type CompletedMethod = {
  kind: "code" | "authenticator" | "recovery" | "webauthn";
  methodId?: string;
  step?: number;
  backupEligible?: boolean;
  /** False when the previous completion that named a method named this one too (its lastUsed needs no write). */
  lastUsedChanged?: boolean;
};

/*
 * Result arms. Each RPC method answers the union of the arms it can produce (e.g. `StartVerdict`);
 * `GuardVerdict` is all of them, for code that handles any answer.
 */
export type Ok = { status: "ok" };
export type Trusted = { status: "trusted" };
export type ChallengeStarted = { status: "challenge"; twoFactorId: string };
export type NotFound = { status: "not_found" };
export type Invalid = { status: "invalid" };
export type Locked = { status: "locked"; actions: Array<Record<string, unknown>>; lockedNow?: boolean };
/** The code looks like a recovery code: consume it in D1, then settle. Challenges name their owner. */
export type CheckRecovery = { status: "check_recovery"; tenantId?: string; userId?: string };
/** Enabling email/SMS: the code was sent to another destination than the one given now. */
export type Mismatch = { status: "mismatch" };
export type Completed = {
  status: "completed";
  challenge: ChallengeRecord;
  method: CompletedMethod;
  trust?: { trustId: string; expiration: number };
  /** The user's step-up proof epoch at completion (src/storage/durable-objects/step-up-proofs.ts). */
  proofEpoch: number;
};
export type Verified = { status: "verified"; method: CompletedMethod };
/** WebAuthn: a ceremony taken (deleted) for verification. */
export type CeremonyTaken = { status: "ceremony"; record: CeremonyRecord };
export type InFlight = { status: "in_flight" };
/** A challenge's passkey options. */
export type PasskeyOptions = { status: "passkey_options"; passkeys: PasskeyCandidate[]; webauthn: ChallengeWebAuthn };
/** A challenge's passkey assertion to check in the worker. */
export type CheckPasskey = { status: "check_passkey"; challenge: ChallengeRecord; ceremony: CeremonyRecord };

/** A failure counted toward the lock: still open, or locked (by this failure when `lockedNow`). */
export type FailureVerdict = Invalid | Locked;
export type LockVerdict = Ok | Locked;
export type StartVerdict = Trusted | ChallengeStarted | Locked;
/** An answer to a challenge judged inside the object. */
export type ChallengeVerdict = NotFound | Locked | Invalid | CheckRecovery | Completed;
/** An answer to a challenge judged in the worker (recovery code, passkey), settled here. */
export type SettleVerdict = NotFound | Locked | Invalid | Completed;
/** An answer outside a challenge (enable, disable). */
export type DirectVerdict = Locked | Invalid | Mismatch | CheckRecovery | Verified;
export type SettleDirectVerdict = Locked | Invalid | Verified;
export type AssertionVerdict = Ok | Invalid | Locked;
export type TakeCeremonyVerdict = CeremonyTaken | InFlight | NotFound | Locked;
export type BeginCeremonyVerdict = PasskeyOptions | NotFound | Locked;
export type TakeChallengeCeremonyVerdict = CheckPasskey | NotFound | Invalid | Locked;

export type GuardVerdict =
  | Ok
  | Trusted
  | ChallengeStarted
  | NotFound
  | Invalid
  | Locked
  | CheckRecovery
  | Mismatch
  | Completed
  | Verified
  | CeremonyTaken
  | InFlight
  | PasskeyOptions
  | CheckPasskey;
