/**
 * Recovery codes: issued with the first method, each usable once. The rung only recognises the
 * shape; the worker consumes the code in D1 (`check_recovery`) and then settles the answer.
 */
import { looksLikeRecoveryCode } from "../domain/recovery-codes.ts";
import type { Factor } from "./types.ts";

const RECOVERY = { kind: "recovery" } as const;

export const recoveryCode: Factor = {
  wire: "recoveryCode",
  label: "Recovery code",
  // Recovery codes belong to MFA as a whole: usable whenever the user has any method.
  enabled: () => true,
  stored: "recovery-codes",
  delivery: "none",
  enrolment: "issued",
  guard: {
    completion: "recovery",
    eventFactor: "recovery code",
    checker: {
      rank: 30,
      // A code that matched a TOTP key (even at a used step) is a TOTP code, never a recovery code.
      check: (_kv, a) => (!a.totp.match && a.recoveryAllowed && looksLikeRecoveryCode(a.code) ? RECOVERY : null),
    },
    used: { event: { type: "user.two-factor.recovery-code.used" }, alert: { kind: "recovery_code_used" } },
  },
};
