/**
 * Email and SMS codes inside the UserGuard Durable Object: the storage half of the sends. The
 * UserGuard's RPC methods call these helpers in their synchronous commit phase, so each send and
 * each check is atomic per user (house style §3.12):
 *
 * - login / step-up: the code lives on the challenge (`c:<hash>`): `codeHash`, its own
 *   `codeExpiresAt` = min(challenge expiry, tenant one-time-code TTL, 600 s), the sending method,
 *   and the challenge's send count and last send time. A new send overwrites the hash, which
 *   invalidates every earlier code of that challenge, including one supplied to /start.
 * - enable / disable: one slot per purpose (`o:enable:email`, `o:enable:sms`, `o:disable:<methodId>`)
 *   bound to the destination the code went to, with the tenant's one-time-code TTL.
 * - per user: a sliding one-hour window of sends (`sends`), across every purpose.
 *
 * Throttles are decided and counters moved here BEFORE the worker calls a provider; a failed
 * delivery does not give anything back (the provider may have sent the message).
 */
import { MAX_ATTEMPTS_PER_CHALLENGE } from "../../domain/lockout.ts";
import { constantTimeEqual } from "../../domain/crypto.ts";
import { utf8 } from "../../domain/encoding.ts";
import { EMPTY_WINDOW, takeFromWindow, type WindowState } from "../../domain/send-window.ts";
import type { ChallengeRecord, Locked, NotFound, OobTarget } from "./user-guard-types.ts";
import { SENDS_KEY, slotKey } from "./keys.ts";
import { findChallenge } from "./challenge-store.ts";
import { lockedNow } from "./lock.ts";

/** NIST SP 800-63B §5.1.3.2: an OOB code is invalid after 10 minutes, whatever a tenant configures. */
export const OOB_CODE_MAX_TTL_SECONDS = 600;

type Kv = SyncKvStorage;

/** The caps the user's object enforces (the others live in SendLimiter buckets). */
export type UserSendCaps = {
  perChallenge: number;
  perUserPerHour: number;
  resendCooldownSeconds: number;
  windowSeconds: number;
};

export type SendCommit = { codeHash: string; codeTtlSeconds: number; caps: UserSendCaps; now: number };

export type ThrottleScope = "challenge" | "cooldown" | "user";

type UnknownMethod = { status: "unknown_method" };
type Throttled = { status: "throttled"; scope: ThrottleScope; retryAfterSeconds: number };
/** Where a challenge's code would go, or why it cannot. */
export type PeekVerdict =
  | { status: "target"; tenantId: string; userId: string; target: OobTarget }
  | NotFound
  | UnknownMethod
  | Locked;
/** A login/step-up send counted, or why not. */
export type ChallengeSendVerdict =
  | { status: "sent"; codeExpiresAt: number }
  | NotFound
  | UnknownMethod
  | Locked
  | Throttled;
/** An enable/disable send counted, or why not. */
export type SlotSendVerdict = { status: "sent"; codeExpiresAt: number } | Locked | Throttled;
export type SendVerdict = PeekVerdict | ChallengeSendVerdict | SlotSendVerdict;

export type ChallengeSendInput = {
  /** The nonce of the challenge's twoFactorId. */
  nonce: string;
  /** The email/SMS method; null = the challenge's only one. */
  methodId: string | null;
  /** From X-FusionAuth-TenantId on the anonymous route; a mismatch answers like an unknown id. */
  expectTenantId: string | null;
};

/** An enable/disable code at rest. */
export type OobSlotRecord = {
  channel: "email" | "sms";
  destination: string;
  codeHash: string;
  expiresAt: number;
  attempts: number;
  lastSendAt: number;
};

/** What `verifyDirect` checks besides TOTP and recovery codes: a slot, and for enabling the destination typed now. */
export type OobCheck = { slot: string; codeHash: string; destination?: string; channel?: "email" | "sms" };

/** The email/SMS method a send names; without a methodId, the only one there is. */
function findTarget(record: ChallengeRecord, methodId: string | null): OobTarget | null {
  const targets = record.oob ?? [];
  if (methodId === null) return targets.length === 1 ? targets[0]! : null;
  return targets.find((t) => t.methodId === methodId) ?? null;
}

function cooldown(lastSendAt: number | undefined, caps: UserSendCaps, now: number): number {
  return lastSendAt === undefined ? 0 : lastSendAt + caps.resendCooldownSeconds - now;
}

/** Per-user window check (no write). */
function userThrottle(kv: Kv, caps: UserSendCaps, now: number): Throttled | null {
  const r = takeFromWindow(
    (kv.get(SENDS_KEY) as WindowState | undefined) ?? EMPTY_WINDOW,
    caps.perUserPerHour,
    caps.windowSeconds,
    now,
  );
  return r.ok ? null : { status: "throttled", scope: "user", retryAfterSeconds: r.retryAfterSeconds };
}

function recordUserSend(kv: Kv, caps: UserSendCaps, now: number): void {
  kv.put(
    SENDS_KEY,
    takeFromWindow(
      (kv.get(SENDS_KEY) as WindowState | undefined) ?? EMPTY_WINDOW,
      Number.MAX_SAFE_INTEGER,
      caps.windowSeconds,
      now,
    ).state,
  );
}

/** The live challenge a send names, its target, or why there is none (unknown id, locked, unknown method). */
async function sendTarget(
  kv: Kv,
  { nonce, methodId, expectTenantId }: ChallengeSendInput,
  now: number,
): Promise<{ key: string; record: ChallengeRecord; target: OobTarget } | NotFound | Locked | UnknownMethod> {
  const found = await findChallenge(kv, nonce, now, expectTenantId);
  if (!found) return { status: "not_found" };
  const locked = lockedNow(kv, now);
  if (locked) return locked;
  const target = findTarget(found.record, methodId);
  return target ? { ...found, target } : { status: "unknown_method" };
}

/** Where a login/step-up code for `methodId` would go. Read only: the worker checks its other throttles next. */
export async function peekChallengeSend(kv: Kv, input: ChallengeSendInput & { now: number }): Promise<PeekVerdict> {
  const found = await sendTarget(kv, input, input.now);
  if ("status" in found) return found;
  return { status: "target", tenantId: found.record.tenantId, userId: found.record.userId, target: found.target };
}

/** Counts a login/step-up send (challenge, cooldown, user caps) and replaces the challenge's code. */
export async function commitChallengeSend(
  kv: Kv,
  input: ChallengeSendInput & { commit: SendCommit },
): Promise<ChallengeSendVerdict> {
  const c = input.commit;
  const found = await sendTarget(kv, input, c.now);
  if ("status" in found) return found;
  const { key, record, target } = found;
  const sends = record.sends ?? 0;
  if (sends >= c.caps.perChallenge)
    return { status: "throttled", scope: "challenge", retryAfterSeconds: Math.max(1, record.expiresAt - c.now) };
  const wait = cooldown(record.lastSendAt, c.caps, c.now);
  if (wait > 0) return { status: "throttled", scope: "cooldown", retryAfterSeconds: wait };
  const user = userThrottle(kv, c.caps, c.now);
  if (user) return user;
  const codeExpiresAt = Math.min(record.expiresAt, c.now + c.codeTtlSeconds, c.now + OOB_CODE_MAX_TTL_SECONDS);
  kv.put(key, {
    ...record,
    codeHash: c.codeHash,
    codeExpiresAt,
    codeMethodId: target.methodId,
    sends: sends + 1,
    lastSendAt: c.now,
  } satisfies ChallengeRecord);
  recordUserSend(kv, c.caps, c.now);
  return { status: "sent", codeExpiresAt };
}

/** Commit phase of an enable/disable send: refused while locked; the slot's cooldown (same destination only), the user cap, then the code. */
export function commitSlotSend(
  kv: Kv,
  slot: string,
  channel: "email" | "sms",
  destination: string,
  c: SendCommit,
): SlotSendVerdict {
  const locked = lockedNow(kv, c.now);
  if (locked) return locked;
  const prev = kv.get(slotKey(slot)) as OobSlotRecord | undefined;
  const wait = prev && prev.destination === destination ? cooldown(prev.lastSendAt, c.caps, c.now) : 0;
  if (wait > 0) return { status: "throttled", scope: "cooldown", retryAfterSeconds: wait };
  const user = userThrottle(kv, c.caps, c.now);
  if (user) return user;
  const expiresAt = c.now + Math.min(c.codeTtlSeconds, OOB_CODE_MAX_TTL_SECONDS);
  kv.put(slotKey(slot), {
    channel,
    destination,
    codeHash: c.codeHash,
    expiresAt,
    attempts: 0,
    lastSendAt: c.now,
  } satisfies OobSlotRecord);
  recordUserSend(kv, c.caps, c.now);
  return { status: "sent", codeExpiresAt: expiresAt };
}

/**
 * Commit-phase check of an enable/disable code. `mismatch`: the code went to another destination
 * (not a guess at the code, so not counted). `match` consumes the slot.
 */
export function matchSlot(kv: Kv, check: OobCheck, now: number): "match" | "mismatch" | "miss" {
  const rec = kv.get(slotKey(check.slot)) as OobSlotRecord | undefined;
  if (!rec || rec.expiresAt <= now) return "miss";
  if (check.destination !== undefined && check.destination !== rec.destination) return "mismatch";
  if (!constantTimeEqual(utf8(check.codeHash), utf8(rec.codeHash))) return "miss";
  kv.delete(slotKey(check.slot));
  return "match";
}

/** A wrong code for a slot: the slot dies after MAX_ATTEMPTS_PER_CHALLENGE, like a challenge. */
export function failSlot(kv: Kv, slot: string): void {
  const rec = kv.get(slotKey(slot)) as OobSlotRecord | undefined;
  if (!rec) return;
  if (rec.attempts + 1 >= MAX_ATTEMPTS_PER_CHALLENGE) kv.delete(slotKey(slot));
  else kv.put(slotKey(slot), { ...rec, attempts: rec.attempts + 1 });
}

/** The removed methods' disable codes die with them. */
export function dropDisableSlots(kv: Kv, methodIds: string[]): void {
  for (const id of methodIds) kv.delete(slotKey(`disable:${id}`));
}
