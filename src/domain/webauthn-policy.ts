/**
 * WebAuthn policy: the only module that imports @simplewebauthn/server.
 *
 * It owns what the library leaves to the relying party (WebAuthn L3 §7.1, §7.2): expected origins
 * and RP id come from tenant configuration only, UV is required exactly when the workflow
 * requires it, allowed algorithms are fixed, credential ids are bounded, `allowCredentials` and
 * `userHandle` are checked, the stored backup-eligibility flag must not change, and the counter
 * rule is explicit. Every thrown library error and every `verified: false` becomes one failure
 * value whose `detail` is for logs only: clients never see it.
 *
 * Pure: no I/O, no clock, no randomness (challenges are passed in). It never decides about
 * storage; the caller consumes the challenge before calling in and persists the counter after.
 *
 * Over 300 lines on purpose: it is the one place the library's security-relevant defaults are pinned, so
 * registration and assertion policy are reviewed together rather than split across modules.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  type VerifiedAuthenticationResponse,
  type VerifiedRegistrationResponse,
} from "@simplewebauthn/server";
import { decodeCredentialPublicKey } from "@simplewebauthn/server/helpers";
import { base64UrlDecode, base64UrlEncode } from "./encoding.ts";

/** COSE algorithms accepted at registration: EdDSA, ES256, RS256 (the library's classic set; no PQC until browsers ship it). */
export const SUPPORTED_ALGORITHM_IDS = [-8, -7, -257] as const;

/** WebAuthn L3 §13.4.3: challenges SHOULD carry at least 16 random bytes; we use 32. */
export const CHALLENGE_RANDOM_BYTES = 32;

/** WebAuthn L3 §7.1 step 25: credential ids longer than 1023 bytes are refused. */
export const MAX_CREDENTIAL_ID_BYTES = 1023;

/**
 * The first byte of every challenge says where it is stored: in the user's Durable Object (a user
 * was named at start) or in a PasskeyChallenge object of its own (discoverable login). It routes
 * the lookup only; a forged tag finds nothing.
 */
export const CHALLENGE_TAG = { user: 0x75, discoverable: 0x64 } as const;
export type ChallengeStore = keyof typeof CHALLENGE_TAG;

export type UserVerification = "required" | "preferred" | "discouraged";
export type Attachment = "any" | "platform" | "crossPlatform";

/** The relying party as configured on the tenant. */
export type RelyingParty = { id: string; name: string; origins: string[] };

/** The public-key credential JSON a browser produces (`PublicKeyCredential.toJSON()`), as parsed at the edge. */
export type CredentialJSON = {
  id: string;
  rawId?: string;
  type: string;
  authenticatorAttachment?: string | null;
  clientExtensionResults?: Record<string, unknown>;
  response: Record<string, unknown>;
};

export type WebAuthnFailureReason =
  | "malformed"
  | "challenge_unreadable"
  | "rejected_by_library"
  | "not_verified"
  | "credential_id_too_long"
  | "algorithm_not_allowed"
  | "not_in_allow_list"
  | "user_handle_mismatch"
  | "user_handle_missing"
  | "backup_eligibility_changed"
  | "counter_not_increased";

export type WebAuthnFailure = { reason: WebAuthnFailureReason; detail?: string };
export type PolicyResult<T> = { ok: true; value: T } | { ok: false; failure: WebAuthnFailure };

const fail = (reason: WebAuthnFailureReason, detail?: string): { ok: false; failure: WebAuthnFailure } => ({
  ok: false,
  failure: { reason, detail },
});

/** A new challenge: tag byte ‖ `random` (CHALLENGE_RANDOM_BYTES bytes from the caller's CSPRNG). */
export function newChallenge(store: ChallengeStore, random: Uint8Array): Uint8Array {
  if (random.length !== CHALLENGE_RANDOM_BYTES) throw new TypeError("challenge randomness must be 32 bytes");
  const out = new Uint8Array(1 + CHALLENGE_RANDOM_BYTES);
  out[0] = CHALLENGE_TAG[store];
  out.set(random, 1);
  return out;
}

/**
 * Reads the challenge out of a response's clientDataJSON WITHOUT verifying anything, so the caller
 * can find (and consume) the stored ceremony before verification. Null when it is not one of ours.
 */
export function readChallenge(clientDataJSON: unknown): { challenge: Uint8Array; store: ChallengeStore } | null {
  if (typeof clientDataJSON !== "string" || clientDataJSON.length > 4096) return null;
  try {
    const parsed = JSON.parse(
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(base64UrlDecode(clientDataJSON)),
    ) as { challenge?: unknown };
    if (typeof parsed.challenge !== "string") return null;
    const challenge = base64UrlDecode(parsed.challenge);
    if (challenge.length !== 1 + CHALLENGE_RANDOM_BYTES) return null;
    const store =
      challenge[0] === CHALLENGE_TAG.user
        ? "user"
        : challenge[0] === CHALLENGE_TAG.discoverable
          ? "discoverable"
          : null;
    return store ? { challenge, store } : null;
  } catch {
    return null;
  }
}

/** The WebAuthn user handle: the 16 bytes of the user's UUID (opaque, no personal data; ≤ 64 bytes). */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  const hex = userId.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError("user id must be a UUID");
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

function attachmentOf(a: Attachment): "platform" | "cross-platform" | undefined {
  return a === "any" ? undefined : a === "platform" ? "platform" : "cross-platform";
}

export type RegistrationOptionsInput = {
  rp: RelyingParty;
  userId: string;
  userName: string;
  displayName: string;
  challenge: Uint8Array;
  timeoutMs: number;
  exclude: Array<{ credentialId: string; transports: string[] }>;
  attachment: Attachment;
  userVerification: UserVerification;
  /** Passwordless (bootstrap) needs a discoverable credential; other workflows prefer one. */
  residentKey: "required" | "preferred";
};

/** PublicKeyCredentialCreationOptions (JSON form, base64url strings), attestation `none`. */
export function registrationOptions(input: RegistrationOptionsInput): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: input.rp.name,
    rpID: input.rp.id,
    userName: input.userName,
    userID: userHandleOf(input.userId),
    userDisplayName: input.displayName,
    challenge: new Uint8Array(input.challenge),
    timeout: input.timeoutMs,
    attestationType: "none",
    excludeCredentials: input.exclude.map((c) => ({ id: c.credentialId, transports: c.transports })),
    authenticatorSelection: {
      residentKey: input.residentKey,
      requireResidentKey: input.residentKey === "required",
      userVerification: input.userVerification,
      authenticatorAttachment: attachmentOf(input.attachment),
    },
    extensions: { credProps: true },
    supportedAlgorithmIDs: [...SUPPORTED_ALGORITHM_IDS],
  });
}

export type AuthenticationOptionsInput = {
  rpId: string;
  challenge: Uint8Array;
  timeoutMs: number;
  allow: Array<{ credentialId: string; transports: string[] }>;
  userVerification: UserVerification;
};

/** PublicKeyCredentialRequestOptions (JSON form); an empty `allow` lets the browser offer discoverable credentials. */
export function authenticationOptions(
  input: AuthenticationOptionsInput,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: input.rpId,
    challenge: new Uint8Array(input.challenge),
    timeout: input.timeoutMs,
    allowCredentials: input.allow.map((c) => ({ id: c.credentialId, transports: c.transports })),
    userVerification: input.userVerification,
  });
}

export type NewCredential = {
  credentialId: string;
  publicKey: string;
  algorithm: number;
  signCount: number;
  transports: string[];
  backupEligible: boolean;
  backedUp: boolean;
  userVerified: boolean;
  discoverable: boolean | null;
  aaguid: string;
};

/**
 * Registration ceremony (WebAuthn L3 §7.1). The library checks type `webauthn.create`, the
 * challenge, the origin, the RP id hash, UP, UV when required, BE/BS consistency, the attestation
 * statement and that the algorithm is one of SUPPORTED_ALGORITHM_IDS; this adds the id length.
 */
export async function verifyRegistration(input: {
  response: CredentialJSON;
  challenge: Uint8Array;
  rp: RelyingParty;
  userVerification: UserVerification;
}): Promise<PolicyResult<NewCredential>> {
  let out: VerifiedRegistrationResponse;
  try {
    out = await verifyRegistrationResponse({
      response: input.response as unknown as RegistrationResponseJSON,
      expectedChallenge: base64UrlEncode(input.challenge),
      expectedOrigin: input.rp.origins,
      expectedRPID: input.rp.id,
      expectedType: "webauthn.create",
      requireUserPresence: true,
      requireUserVerification: input.userVerification === "required",
      supportedAlgorithmIDs: [...SUPPORTED_ALGORITHM_IDS],
    });
  } catch (err) {
    return fail("rejected_by_library", err instanceof Error ? err.message : String(err));
  }
  if (!out.verified) return fail("not_verified");
  const info = out.registrationInfo;
  if (base64UrlDecode(info.credential.id).length > MAX_CREDENTIAL_ID_BYTES) return fail("credential_id_too_long");
  const alg = decodeCredentialPublicKey(info.credential.publicKey).get(3);
  if (typeof alg !== "number" || !(SUPPORTED_ALGORITHM_IDS as readonly number[]).includes(alg))
    return fail("algorithm_not_allowed", String(alg));
  const credProps = input.response.clientExtensionResults?.credProps as { rk?: unknown } | undefined;
  const transports = Array.isArray((input.response.response as { transports?: unknown }).transports)
    ? (
        (input.response.response as { transports: unknown[] }).transports.filter(
          (t) => typeof t === "string" && t.length <= 32,
        ) as string[]
      ).slice(0, 8)
    : [];
  return {
    ok: true,
    value: {
      credentialId: info.credential.id,
      publicKey: base64UrlEncode(info.credential.publicKey),
      algorithm: alg,
      signCount: info.credential.counter,
      transports,
      backupEligible: info.credentialDeviceType === "multiDevice",
      backedUp: info.credentialBackedUp,
      userVerified: info.userVerified,
      discoverable: typeof credProps?.rk === "boolean" ? credProps.rk : null,
      aaguid: info.aaguid,
    },
  };
}

/** The stored credential an assertion is checked against (a D1 row or a challenge snapshot of it). */
export type StoredCredential = {
  credentialId: string;
  publicKey: string;
  signCount: number;
  transports: string[];
  backupEligible: boolean;
  userId: string;
};

export type AssertionResult = {
  newSignCount: number;
  userVerified: boolean;
  backupEligible: boolean;
  backedUp: boolean;
};

/**
 * Counter rule (WebAuthn L3 §7.2 step 21, our policy): a counter of 0 from a credential whose
 * stored counter is 0 means "this authenticator keeps no counter" (synced passkeys) and passes;
 * otherwise the new value must be strictly greater than the stored one, or the assertion is
 * refused as a possible clone. The D1 UPDATE repeats this condition, so racing assertions cannot
 * both pass with the same value.
 */
export function counterAcceptable(stored: number, next: number): boolean {
  return (stored === 0 && next === 0) || next > stored;
}

/**
 * Authentication ceremony (WebAuthn L3 §7.2). Steps 1–2 here (allowCredentials, userHandle), the
 * library does 3–12 (type, challenge, origin, topOrigin, RP id hash, UP, UV, BE/BS, signature),
 * then steps 11 and 13 by our policy: BE must equal the stored value, and the counter rule.
 */
export async function verifyAssertion(input: {
  response: CredentialJSON;
  challenge: Uint8Array;
  rp: RelyingParty;
  userVerification: UserVerification;
  credential: StoredCredential;
  /** Non-empty when the options named credentials (§7.2 step 1). */
  allowCredentialIds: string[];
  /** Discoverable flows did not know the user beforehand: the handle must be present (§7.2 step 2). */
  requireUserHandle: boolean;
}): Promise<PolicyResult<AssertionResult>> {
  const { response, credential } = input;
  if (response.id !== credential.credentialId)
    return fail("malformed", "credential id does not match the stored credential");
  if (input.allowCredentialIds.length > 0 && !input.allowCredentialIds.includes(response.id))
    return fail("not_in_allow_list");
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== null && handle !== "") {
    if (typeof handle !== "string" || handle !== base64UrlEncode(userHandleOf(credential.userId)))
      return fail("user_handle_mismatch");
  } else if (input.requireUserHandle) {
    return fail("user_handle_missing");
  }
  let out: VerifiedAuthenticationResponse;
  try {
    out = await verifyAuthenticationResponse({
      response: response as unknown as AuthenticationResponseJSON,
      expectedChallenge: base64UrlEncode(input.challenge),
      expectedOrigin: input.rp.origins,
      expectedRPID: input.rp.id,
      expectedType: "webauthn.get",
      credential: {
        id: credential.credentialId,
        publicKey: new Uint8Array(base64UrlDecode(credential.publicKey)),
        counter: credential.signCount,
        transports: credential.transports as never,
      },
      requireUserVerification: input.userVerification === "required",
    });
  } catch (err) {
    return fail("rejected_by_library", err instanceof Error ? err.message : String(err));
  }
  if (!out.verified) return fail("not_verified", "signature");
  const info = out.authenticationInfo;
  const backupEligible = info.credentialDeviceType === "multiDevice";
  if (backupEligible !== credential.backupEligible) return fail("backup_eligibility_changed");
  if (!counterAcceptable(credential.signCount, info.newCounter))
    return fail("counter_not_increased", `${info.newCounter} <= ${credential.signCount}`);
  return {
    ok: true,
    value: {
      newSignCount: info.newCounter,
      userVerified: info.userVerified,
      backupEligible,
      backedUp: info.credentialBackedUp,
    },
  };
}

/**
 * RFC 8176 `amr` value for a passkey: a backup-eligible (syncable) key can leave the device, so it
 * is a software-secured key (`swk`); a device-bound key is hardware-secured (`hwk`).
 */
export function passkeyAMR(backupEligible: boolean): "hwk" | "swk" {
  return backupEligible ? "swk" : "hwk";
}
