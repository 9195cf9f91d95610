/**
 * UserGuard: one Durable Object per (tenant, user). It owns every decision that must be atomic for
 * that user: live challenges (twoFactorIds) with expiry and per-challenge attempts, the account's
 * failure counters and lock, the last accepted TOTP step per method (replay), device trusts, and
 * single-use consumption. Every RPC method reads, decides (pure domain functions) and writes without
 * awaiting anything external, so input gates serialise concurrent callers: two parallel correct
 * submissions yield exactly one success.
 *
 * It never returns a secret except the one it just minted (twoFactorId, trust id), and never logs codes.
 * Methods return result values, not exceptions (RPC exceptions lose their stack).
 */
import { DurableObject } from "cloudflare:workers";
import { hexEncode, utf8 } from "../../domain/encoding.ts";
import { constantTimeEqual, parseKeyring, randomBytes, sha256, type EncryptionKeyring } from "../../domain/crypto.ts";
import {
  INITIAL_LOCKOUT_STATE,
  MAX_ATTEMPTS_PER_CHALLENGE,
  isLocked,
  lockActions,
  recordFailure,
  recordSuccess,
  unlock as unlockState,
  type LockoutPolicy,
  type LockoutState,
} from "../../domain/lockout.ts";
import type { CeremonyRecord, ChallengeInit, ChallengeRecord, CompletedMethod, GuardVerdict, TotpCandidate, TrustQuery, VerifyChallengeInput } from "./user-guard-types.ts";
import { acceptTotpStep, findTotpMatch, forgetTotpSteps } from "./totp-replay.ts";
import { storeCeremony, takeCeremony, type CeremonyExpectation } from "./ceremonies.ts";
import { looksLikeRecovery, mintTwoFactorId, newTrustId, nonceOf, trustCovers, trustStorageKeyOf, type NewTrust, type TrustRecord } from "./user-guard-ids.ts";

export { parseTwoFactorId, totpAad, type TrustRecord } from "./user-guard-ids.ts";
import {
  challengeCodeLive,
  commitChallengeSend,
  commitSlotSend,
  failSlot,
  findTarget,
  liveRecord,
  matchSlot,
  slotKey,
  type OobCheck,
  type SendCommit,
  type SendVerdict,
} from "./oob-codes.ts";

const NONCE_BYTES = 32;
/** The method id of the latest completion that named a method (see markLastUsed). */
const LAST_METHOD_KEY = "last-method";

export class UserGuard extends DurableObject<Env> {
  #keyring: EncryptionKeyring | undefined;

  private get keyring(): EncryptionKeyring {
    this.#keyring ??= parseKeyring(this.env.ENCRYPTION_KEYS);
    return this.#keyring;
  }

  private get kv() {
    return this.ctx.storage.kv;
  }

  private lockout(): LockoutState {
    return (this.kv.get("lockout") as LockoutState | undefined) ?? { ...INITIAL_LOCKOUT_STATE };
  }

  private locked(now: number): GuardVerdict | null {
    const state = this.lockout();
    return isLocked(state, now) ? { status: "locked", actions: lockActions(state) } : null;
  }

  /** Counts a failure; on the failure that locks, every live challenge of the user dies. */
  private fail(policy: LockoutPolicy, now: number): GuardVerdict {
    const { state, lockedNow } = recordFailure(this.lockout(), policy, now);
    this.kv.put("lockout", state);
    if (isLocked(state, now)) {
      if (lockedNow) this.dropChallenges();
      return { status: "locked", actions: lockActions(state), lockedNow };
    }
    return { status: "invalid" };
  }

  private succeed(): void {
    const state = this.lockout();
    if (state.consecutiveFailures !== 0 || state.windowFailures !== 0) this.kv.put("lockout", recordSuccess());
  }

  private dropChallenges(): void {
    for (const [key] of this.kv.list({ prefix: "c:" })) this.kv.delete(key);
    for (const [key] of this.kv.list({ prefix: "o:" })) this.kv.delete(key);
  }

  private async challengeKey(nonce: Uint8Array): Promise<string> {
    return "c:" + hexEncode(await sha256(nonce));
  }

  /** Lock status only (password logins that need no second factor). */
  async checkLock(now: number): Promise<GuardVerdict> {
    return this.locked(now) ?? { status: "ok" };
  }

  /** A failed first factor (wrong password) counts toward the same account lock. */
  async recordFailedAttempt(policy: LockoutPolicy, now: number): Promise<GuardVerdict> {
    return this.locked(now) ?? this.fail(policy, now);
  }

  /**
   * Starts a challenge unless the account is locked or (login only) a valid trust covers it.
   * Returns the new twoFactorId: base64url(DO id ‖ 32 random bytes); only a SHA-256 of the nonce is kept.
   */
  async startChallenge(init: ChallengeInit, now: number, trust?: TrustQuery): Promise<GuardVerdict> {
    const locked = this.locked(now);
    if (locked) return locked;
    if (trust && trustCovers(await this.findTrust(trust.trustId, now), trust)) return { status: "trusted" };
    for (const [key, value] of this.kv.list<ChallengeRecord>({ prefix: "c:" })) if (value.expiresAt <= now) this.kv.delete(key);
    const nonce = randomBytes(NONCE_BYTES);
    const record: ChallengeRecord = { ...init, expiresAt: now + init.ttlSeconds, attempts: 0 };
    this.kv.put(await this.challengeKey(nonce), record);
    const twoFactorId = mintTwoFactorId(this.ctx.id.toString(), nonce);
    return { status: "challenge", twoFactorId };
  }

  /**
   * Completes a challenge with a code: the start-supplied code, or a TOTP code of any authenticator
   * method in the challenge (not replayed). A code shaped like a recovery code is not judged here: the
   * answer `check_recovery` asks the caller to consume it in D1 and then call `settleRecovery`.
   */
  async verifyChallenge(input: VerifyChallengeInput): Promise<GuardVerdict> {
    const { now } = input;
    const key = await this.challengeKey(nonceOf(input.nonce));
    const seen = this.kv.get(key) as ChallengeRecord | undefined;
    if (!seen || seen.expiresAt <= now) return { status: "not_found" };
    if (input.expectTenantId && input.expectTenantId !== seen.tenantId) return { status: "not_found" };
    const totp = await findTotpMatch(this.kv, this.keyring, seen.totp, input.code, now, `${seen.tenantId}:${seen.userId}`);
    const trust = input.trustComputer ? await newTrustId() : null;
    // Commit phase: synchronous from here on, so no other call can interleave between check and write.
    const record = this.kv.get(key) as ChallengeRecord | undefined;
    if (!record || record.expiresAt <= now) return { status: "not_found" };
    const locked = this.locked(now);
    if (locked) return locked;
    if (record.codeHash && challengeCodeLive(record, now) && constantTimeEqual(utf8(input.codeHash), utf8(record.codeHash))) {
      return this.complete(key, record, record.codeMethodId ? { kind: "code", methodId: record.codeMethodId } : { kind: "code" }, trust, now);
    }
    if (totp && acceptTotpStep(this.kv, totp)) return this.complete(key, record, { kind: "authenticator", methodId: totp.methodId }, trust, now);
    if (!totp && record.recoveryAvailable && looksLikeRecovery(input.code)) {
      return { status: "check_recovery", tenantId: record.tenantId, userId: record.userId };
    }
    return this.failChallenge(key, record, record.policy, now);
  }

  /** Second half of a recovery-code completion: `consumed` says whether D1 consumed an unused code. */
  async settleRecovery(nonceB64: string, consumed: boolean, trustComputer: boolean, now: number): Promise<GuardVerdict> {
    return this.settle(nonceB64, consumed, { kind: "recovery" }, trustComputer, now);
  }

  // ---- WebAuthn (ceremony storage in ./ceremonies.ts; verification in the worker) -----------

  /** Stores a ceremony challenge for this user; an authentication ceremony is refused while locked. */
  async putCeremony(challengeHash: string, record: CeremonyRecord, now: number): Promise<GuardVerdict> {
    const locked = record.ceremony === "registration" ? null : this.locked(now);
    if (locked) return locked;
    storeCeremony(this.kv, challengeHash, record, now);
    return { status: "ok" };
  }

  /** Takes (deletes) a ceremony before its response is verified, so it is single use whatever the outcome. */
  async takeCeremony(challengeHash: string, expect: CeremonyExpectation, now: number): Promise<GuardVerdict> {
    const record = takeCeremony(this.kv, challengeHash, expect, now);
    if (record === "in_flight") return { status: "in_flight" };
    const locked = expect.ceremony === "registration" ? null : this.locked(now);
    if (locked) return locked;
    return record ? { status: "ceremony", record } : { status: "not_found" };
  }

  /** Outcome of a passkey assertion outside a challenge: a failure counts toward the account lock. */
  async settleAssertion(ok: boolean, policy: LockoutPolicy, now: number): Promise<GuardVerdict> {
    const locked = this.locked(now);
    if (locked) return locked;
    if (!ok) return this.fail(policy, now);
    this.succeed();
    return { status: "ok" };
  }

  /** Second factor: starts a passkey ceremony for a live challenge; answers its passkeys and relying party. */
  async beginChallengeCeremony(nonceB64: string, challengeHash: string, now: number, expectTenantId: string | null): Promise<GuardVerdict> {
    const key = await this.challengeKey(nonceOf(nonceB64));
    const record = this.liveChallenge(key, now, expectTenantId);
    if (!record?.webauthn || !record.passkeys?.length) return { status: "not_found" };
    const locked = this.locked(now);
    if (locked) return locked;
    const { webauthn, passkeys } = record;
    storeCeremony(this.kv, challengeHash, {
      ceremony: "second_factor",
      tenantId: record.tenantId,
      userId: record.userId,
      workflow: "secondFactor",
      userVerification: webauthn.userVerification,
      allowCredentialIds: passkeys.map((p) => p.credentialId),
      applicationId: record.applicationId,
      state: null,
      expiresAt: Math.min(record.expiresAt, now + webauthn.ttlSeconds),
      challengeKey: key,
    }, now);
    return { status: "passkey_options", passkeys, webauthn };
  }

  /** Second factor, first half: takes the ceremony; a replayed or unknown one is a wrong answer (counted). */
  async takeChallengeCeremony(nonceB64: string, challengeHash: string, now: number, expectTenantId: string | null): Promise<GuardVerdict> {
    const key = await this.challengeKey(nonceOf(nonceB64));
    const record = this.liveChallenge(key, now, expectTenantId);
    if (!record) return { status: "not_found" };
    const ceremony = takeCeremony(this.kv, challengeHash, { ceremony: "second_factor", tenantId: record.tenantId }, now);
    const locked = this.locked(now);
    if (locked) return locked;
    // A copy racing the first submission: refused, not counted (./ceremonies.ts).
    if (ceremony === "in_flight") return { status: "invalid" };
    if (!ceremony || ceremony.challengeKey !== key) return this.failChallenge(key, record, record.policy, now);
    return { status: "check_passkey", challenge: record, ceremony };
  }

  /** Second factor, second half: `verified` says whether the assertion and its counter update passed. */
  async settlePasskey(nonceB64: string, verified: boolean, method: CompletedMethod, trustComputer: boolean, now: number): Promise<GuardVerdict> {
    return this.settle(nonceB64, verified, method, trustComputer, now);
  }

  /**
   * Adds a one-time code to a live challenge (Required-policy enrolment: enabling the first method
   * with a twoFactorId returns a code that completes that challenge).
   */
  async addChallengeCode(nonceB64: string, codeHash: string, now: number): Promise<boolean> {
    const key = await this.challengeKey(nonceOf(nonceB64));
    const record = this.kv.get(key) as ChallengeRecord | undefined;
    if (!record || record.expiresAt <= now) return false;
    this.kv.put(key, { ...record, codeHash, codeExpiresAt: null, codeMethodId: null });
    return true;
  }

  // ---- Email and SMS codes (storage logic in ./oob-codes.ts; delivery in the worker) ----------

  /** Where a login/step-up code for `methodId` would go. Read only: the worker checks its other throttles next. */
  async peekChallengeSend(nonceB64: string, methodId: string | null, now: number, expectTenantId: string | null): Promise<SendVerdict> {
    const record = liveRecord(this.kv, await this.challengeKey(nonceOf(nonceB64)), now, expectTenantId);
    if (!record) return { status: "not_found" };
    const locked = this.locked(now);
    if (locked) return locked as SendVerdict;
    const target = findTarget(record, methodId);
    if (!target) return { status: "unknown_method" };
    return { status: "target", tenantId: record.tenantId, userId: record.userId, target };
  }

  /** Counts a login/step-up send (challenge, cooldown, user caps) and replaces the challenge's code. */
  async commitChallengeSend(nonceB64: string, methodId: string | null, commit: SendCommit, expectTenantId: string | null): Promise<SendVerdict> {
    const key = await this.challengeKey(nonceOf(nonceB64));
    const record = liveRecord(this.kv, key, commit.now, expectTenantId);
    if (!record) return { status: "not_found" };
    const locked = this.locked(commit.now);
    if (locked) return locked as SendVerdict;
    const target = findTarget(record, methodId);
    if (!target) return { status: "unknown_method" };
    return commitChallengeSend(this.kv, key, record, target, commit);
  }

  /** Counts an enable/disable send (cooldown, user cap) and stores its code bound to `slot` and `destination`. */
  async commitSlotSend(slot: string, channel: "email" | "sms", destination: string, commit: SendCommit): Promise<SendVerdict> {
    const locked = this.locked(commit.now);
    if (locked) return locked as SendVerdict;
    return commitSlotSend(this.kv, slot, channel, destination, commit);
  }

  /**
   * Verifies a code outside a challenge (enable, disable): TOTP candidates come from the caller.
   * Recovery-shaped codes are left to the caller (`check_recovery`), who then calls `settleDirect`.
   */
  async verifyDirect(candidates: TotpCandidate[], code: string, recoveryAllowed: boolean, policy: LockoutPolicy, now: number, oob?: OobCheck): Promise<GuardVerdict> {
    const totp = await findTotpMatch(this.kv, this.keyring, candidates, code, now, null);
    const locked = this.locked(now);
    if (locked) return locked;
    const slot = oob ? matchSlot(this.kv, oob, now) : "miss";
    if (slot === "mismatch") return { status: "mismatch" };
    if (slot === "match") {
      this.succeed();
      return { status: "verified", method: { kind: "code" } };
    }
    if (totp && acceptTotpStep(this.kv, totp)) {
      this.succeed();
      return { status: "verified", method: { kind: "authenticator", methodId: totp.methodId, step: totp.step } };
    }
    if (!totp && recoveryAllowed && looksLikeRecovery(code)) return { status: "check_recovery" };
    if (oob) failSlot(this.kv, oob.slot);
    return this.fail(policy, now);
  }

  async settleDirect(consumed: boolean, policy: LockoutPolicy, now: number): Promise<GuardVerdict> {
    const locked = this.locked(now);
    if (locked) return locked;
    if (!consumed) return this.fail(policy, now);
    this.succeed();
    return { status: "verified", method: { kind: "recovery" } };
  }

  /** Forgets a removed method's replay state. */
  async forgetMethods(methodIds: string[]): Promise<void> {
    forgetTotpSteps(this.kv, methodIds);
    // A later method may get a removed one's id: its first use must be written.
    if (methodIds.includes(this.kv.get(LAST_METHOD_KEY) as string)) this.kv.delete(LAST_METHOD_KEY);
    for (const id of methodIds) this.kv.delete(slotKey(`disable:${id}`));
  }

  /** Trust status for `GET/POST /api/two-factor/status`. */
  async trustStatus(trust: TrustQuery, now: number): Promise<{ trusted: boolean; trust: TrustRecord | null }> {
    const rec = await this.findTrust(trust.trustId, now);
    return { trusted: trustCovers(rec, trust), trust: rec };
  }

  /** Administrator unlock, and the clean-up when a user is deleted. */
  async unlock(): Promise<void> {
    this.kv.put("lockout", unlockState());
  }

  async erase(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  async lockState(): Promise<LockoutState> {
    return this.lockout();
  }

  // ---- internals ---------------------------------------------------------------------------

  private liveChallenge(key: string, now: number, expectTenantId: string | null): ChallengeRecord | null {
    const record = this.kv.get(key) as ChallengeRecord | undefined;
    if (!record || record.expiresAt <= now) return null;
    return expectTenantId && expectTenantId !== record.tenantId ? null : record;
  }

  /** Completes a challenge whose answer was judged outside the object (recovery code, passkey), or counts a failure. */
  private async settle(nonceB64: string, ok: boolean, method: CompletedMethod, trustComputer: boolean, now: number): Promise<GuardVerdict> {
    const key = await this.challengeKey(nonceOf(nonceB64));
    const trust = trustComputer ? await newTrustId() : null;
    const record = this.kv.get(key) as ChallengeRecord | undefined;
    if (!record || record.expiresAt <= now) return { status: "not_found" };
    const locked = this.locked(now);
    if (locked) return locked;
    if (ok) return this.complete(key, record, method, trust, now);
    return this.failChallenge(key, record, record.policy, now);
  }

  private complete(key: string, record: ChallengeRecord, completed: CompletedMethod, newTrust: NewTrust | null, now: number): GuardVerdict {
    this.kv.delete(key);
    this.succeed();
    const method = completed.methodId ? { ...completed, lastUsedChanged: this.markLastUsed(completed.methodId) } : completed;
    if (!newTrust) return { status: "completed", challenge: record, method };
    const trust: TrustRecord = { applicationId: record.applicationId, startInstant: now, expiration: now + record.token.trustTtlSeconds };
    // Stored under SHA-256 of the id: 256 random bits need no key or salt.
    this.kv.put(newTrust.storageKey, trust);
    return { status: "completed", challenge: record, method, trust: { trustId: newTrust.trustId, expiration: trust.expiration } };
  }

  /**
   * Remembers the method of the latest completion that named one. False when it was already the
   * previous one: its D1 `last_used_at` is then already the newest of the user's methods, so the
   * caller can skip rewriting it (`lastUsed` marks the same method either way).
   */
  private markLastUsed(methodId: string): boolean {
    if (this.kv.get(LAST_METHOD_KEY) === methodId) return false;
    this.kv.put(LAST_METHOD_KEY, methodId);
    return true;
  }

  private failChallenge(key: string, record: ChallengeRecord, policy: LockoutPolicy, now: number): GuardVerdict {
    const verdict = this.fail(policy, now);
    if (verdict.status === "locked") return verdict;
    const attempts = record.attempts + 1;
    if (attempts >= MAX_ATTEMPTS_PER_CHALLENGE) this.kv.delete(key);
    else this.kv.put(key, { ...record, attempts });
    return verdict;
  }

  async revokeTrusts(): Promise<void> {
    for (const [key] of this.kv.list({ prefix: "t:" })) this.kv.delete(key);
  }

  /** The live trust named by `trustId`, or null (unknown, malformed or expired). */
  private async findTrust(trustId: string | null, now: number): Promise<TrustRecord | null> {
    const key = trustId ? await trustStorageKeyOf(trustId) : null;
    const rec = key ? (this.kv.get(key) as TrustRecord | undefined) : undefined;
    return rec && rec.expiration > now ? rec : null;
  }
}
