/**
 * Codes answered outside a challenge (enabling or disabling a method, src/services/two-factor.ts):
 * the same ladder as a challenge (./answers.ts) over an enable/disable slot (./oob-codes.ts) and
 * the TOTP keys the worker passes in; failures count toward the same lock.
 */
import type { EncryptionKeyring } from "../../domain/crypto.ts";
import type { LockoutPolicy } from "../../domain/lockout.ts";
import { guardSideOf } from "../../factors/registry.ts";
import { judgeAnswer } from "./answers.ts";
import { queueEvent, type EventContext } from "./guard-events.ts";
import { countFailure, countSuccess, lockedNow } from "./lock.ts";
import { failSlot, matchSlot, type OobCheck } from "./oob-codes.ts";
import { findTotpMatch } from "./totp-replay.ts";
import type { DirectVerdict, SettleDirectVerdict, TotpCandidate } from "./user-guard-types.ts";

type Kv = SyncKvStorage;

export type VerifyDirectInput = {
  /** The TOTP keys to try (each names its owner for the AES-GCM associated data). */
  candidates: TotpCandidate[];
  code: string;
  /** May a recovery-code shape be answered `check_recovery` (disable only)? */
  recoveryAllowed: boolean;
  policy: LockoutPolicy;
  now: number;
  /** The enable/disable slot an email/SMS code was stored in, when one may answer. */
  oob?: OobCheck;
  ev?: EventContext;
};

/**
 * Verifies a code outside a challenge. Recovery-shaped codes are left to the caller
 * (`check_recovery`), who consumes it in D1 and then calls `settleDirect`.
 */
export async function verifyDirect(
  kv: Kv,
  keyring: EncryptionKeyring,
  input: VerifyDirectInput,
): Promise<DirectVerdict> {
  const { candidates, oob, now } = input;
  const totp = await findTotpMatch(kv, keyring, candidates, input.code, now, null);
  const locked = lockedNow(kv, now);
  if (locked) return locked;
  const answer = judgeAnswer(kv, {
    code: input.code,
    oneTimeCode: oob ? matchSlot(kv, oob, now) : "miss",
    totp,
    recoveryAllowed: input.recoveryAllowed,
  });
  switch (answer.kind) {
    case "mismatch":
      return { status: "mismatch" };
    case "recovery":
      return { status: "check_recovery" };
    case "code":
      countSuccess(kv);
      return { status: "verified", method: { kind: "code" } };
    case "authenticator":
      countSuccess(kv);
      return {
        status: "verified",
        method: { kind: "authenticator", methodId: answer.match.methodId, step: answer.match.step },
      };
  }
  if (oob) failSlot(kv, oob.slot);
  const reason = answer.replay;
  const factor = reason
    ? "authenticator"
    : oob
      ? (oob.channel ?? "code")
      : candidates.length
        ? "authenticator"
        : "code";
  return countFailure(kv, input.policy, now, { ctx: input.ev ?? null, kind: "second_factor", factor, reason });
}

export type SettleDirectInput = {
  /** Whether D1 consumed an unused recovery code. */
  consumed: boolean;
  policy: LockoutPolicy;
  now: number;
  ev?: EventContext;
};

const RECOVERY = guardSideOf("recovery")!;

/** Second half of a recovery code outside a challenge. */
export function settleDirect(kv: Kv, input: SettleDirectInput): SettleDirectVerdict {
  const { now, ev } = input;
  const locked = lockedNow(kv, now);
  if (locked) return locked;
  if (!input.consumed)
    return countFailure(kv, input.policy, now, {
      ctx: ev ?? null,
      kind: "second_factor",
      factor: RECOVERY.eventFactor,
    });
  countSuccess(kv);
  if (ev && RECOVERY.used) queueEvent(kv, ev, RECOVERY.used.event, now, RECOVERY.used.alert);
  return { status: "verified", method: { kind: RECOVERY.completion } };
}
