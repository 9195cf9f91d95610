/**
 * The API's answers for the login and challenge services' outcomes (src/services/outcomes.ts): the
 * one place that knows FusionAuth's statuses for them. Failures become the ApiError that
 * src/errors.ts serialises (404 and 421 empty, 409 `{actions}`), so every error keeps one writer.
 *
 *   POST /api/login, /api/webauthn/login   complete 200, not-registered 202, two-factor-required 242, refused 404, locked 409
 *   POST /api/two-factor/login             complete 200, not-registered 202, not-found 404, locked 409, invalid-code 421
 *   POST /api/two-factor/start             started 200, not-found 404, locked 409
 *   POST /api/webauthn/assert              verified 200, locked 409
 *   /api/two-factor/status                 no-challenge 200, challenge-required 242, not-found 404
 */
import type { Context } from "hono";
import { ApiError } from "../errors.ts";
import type {
  AssertOutcome,
  CompletionOutcome,
  Locked,
  LoginOutcome,
  StartOutcome,
  TrustStatusOutcome,
} from "../services/outcomes.ts";

type Outcome = LoginOutcome | CompletionOutcome | StartOutcome | AssertOutcome | TrustStatusOutcome;
type Failure = Locked | { kind: "refused" | "not-found" | "invalid-code" };
type Success = Exclude<Outcome, Failure>;

const STATUS: Record<Success["kind"], 200 | 202 | 242> = {
  complete: 200,
  "not-registered": 202,
  "two-factor-required": 242,
  started: 200,
  verified: 200,
  "no-challenge": 200,
  "challenge-required": 242,
};

/** Unknown user and wrong password (refused) answer like an unknown challenge: 404, empty (no enumeration). */
function failure(out: Failure): ApiError {
  switch (out.kind) {
    case "locked":
      return ApiError.locked(out.actions);
    case "refused":
    case "not-found":
      return ApiError.notFound();
    case "invalid-code":
      return ApiError.invalidCode();
  }
}

function isFailure(out: Outcome): out is Failure {
  return !(out.kind in STATUS);
}

/** The outcome's answer, or its ApiError thrown. */
export function answer(c: Context, out: Outcome): Response {
  if (isFailure(out)) throw failure(out);
  const status = STATUS[out.kind];
  if (status !== 242) return c.json(out.body, status);
  // FusionAuth's 242 is not a registered HTTP status (RFC 9110 §15), so Hono's status type has no
  // room for it: the JSON answer (with any cookie set on `c`) is re-issued with it.
  const res = c.json(out.body);
  return new Response(res.body, { status, headers: res.headers });
}
