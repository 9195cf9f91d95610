/**
 * The one-time-code rung shared by the delivered factors (email, SMS) and a start-supplied code
 * (FusionAuth's `code` on POST /api/two-factor/start): first in the ladder, because such a code is
 * checked by hash against the challenge or enable slot before any key is tried.
 */
import type { AnswerChecker } from "./types.ts";

const CODE = { kind: "code" } as const;
const MISMATCH = { kind: "mismatch" } as const;

export const oneTimeCodeChecker: AnswerChecker = {
  rank: 10,
  check(_kv, a) {
    if (a.oneTimeCode === "mismatch") return MISMATCH;
    if (a.oneTimeCode === "match") return CODE;
    return null;
  },
};
