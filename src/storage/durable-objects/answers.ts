/**
 * The one ladder by which the UserGuard judges a typed code, inside a challenge (login, step-up)
 * or outside one (enable, disable): an ordered walk over the registered factors' rungs
 * (src/factors/registry.ts `ANSWER_CHECKERS`): the one-time code first (email/SMS or start-supplied),
 * then a TOTP code at a step not yet used (RFC 6238 §5.2), then a recovery-code shape, which is left
 * to the worker to consume in D1. Runs in the synchronous commit phase; the TOTP lookup is done before.
 */
import { ANSWER_CHECKERS } from "../../factors/registry.ts";
import type { Answer, AnswerFacts, AnswerStore } from "../../factors/types.ts";
import { acceptTotpStep } from "./totp-replay.ts";

export type { Answer, AnswerFacts } from "../../factors/types.ts";

type Kv = SyncKvStorage;

/** The writes a rung may make (module-level: no allocation per answer). */
const STORE: AnswerStore = { acceptTotpStep };

/** Judges an answer; accepting a TOTP step stores it (the only write). */
export function judgeAnswer(kv: Kv, a: AnswerFacts): Answer {
  for (const checker of ANSWER_CHECKERS) {
    const answer = checker.check(kv, a, STORE);
    if (answer) return answer;
  }
  let replay: "replay" | undefined;
  for (const checker of ANSWER_CHECKERS) replay ??= checker.refusal?.(a);
  return { kind: "wrong", replay };
}
