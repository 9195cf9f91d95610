/**
 * The one ladder by which the UserGuard judges a typed code, inside a challenge (login, step-up)
 * or outside one (enable, disable): the one-time code first (email/SMS or start-supplied), then a
 * TOTP code at a step not yet used (RFC 6238 §5.2), then a recovery-code shape, which is left to
 * the worker to consume in D1. Runs in the synchronous commit phase; the TOTP lookup is done before.
 */
import { looksLikeRecoveryCode } from "../../domain/recovery-codes.ts";
import { acceptTotpStep, replayReason, type TotpLookup, type TotpMatch } from "./totp-replay.ts";

type Kv = SyncKvStorage;

export type AnswerFacts = {
  code: string;
  /** The one-time code check, already made: `mismatch` = sent to another destination (enabling email/SMS). */
  oneTimeCode: "match" | "mismatch" | "miss";
  totp: TotpLookup;
  recoveryAllowed: boolean;
};

export type Answer =
  | { kind: "code" }
  | { kind: "mismatch" }
  | { kind: "authenticator"; match: TotpMatch }
  | { kind: "recovery" }
  /** `replay`: the code was a TOTP code of an already used step. */
  | { kind: "wrong"; replay: "replay" | undefined };

/** Judges an answer; accepting a TOTP step stores it (the only write). */
export function judgeAnswer(kv: Kv, a: AnswerFacts): Answer {
  if (a.oneTimeCode === "mismatch") return { kind: "mismatch" };
  if (a.oneTimeCode === "match") return { kind: "code" };
  const totp = a.totp.match;
  if (totp && acceptTotpStep(kv, totp)) return { kind: "authenticator", match: totp };
  if (!totp && a.recoveryAllowed && looksLikeRecoveryCode(a.code)) return { kind: "recovery" };
  return { kind: "wrong", replay: replayReason(a.totp) };
}
