/**
 * What the login and challenge services answer: discriminated unions of domain outcomes, never HTTP
 * statuses. The API maps them to FusionAuth's statuses in one place (src/routes/outcomes.ts); the
 * hosted and account pages map them to their pages. The rule for what is a result and what is thrown
 * is in src/errors.ts.
 */
import type { GuardVerdict } from "../storage/durable-objects/user-guard-types.ts";

/** A lock prevents the action; `actions` are FusionAuth's user actions that describe it. */
export type Locked = { kind: "locked"; actions: Array<Record<string, unknown>> };

/**
 * The user is authenticated: `body` is FusionAuth's LoginResponse (token fields unless noJWT, `user`).
 * "not-registered": the login names an application the user is not registered for (the token has no
 * applicationId or roles; FusionAuth's Login API answers it 202).
 */
export type Completed = { kind: "complete" | "not-registered"; body: Record<string, unknown> };

/** A second factor is due: the challenge's id, the methods it can be answered with (and, with none, the ones to enrol). */
export type TwoFactorRequired = {
  kind: "two-factor-required";
  body: { twoFactorId: string; methods: unknown[]; configurableMethods?: string[] };
};

/** After a first factor that passed (finishFirstFactor; the hosted login's SSO re-check). */
export type FirstFactorOutcome = Completed | TwoFactorRequired | Locked;

/** POST /api/login and a passkey as first factor. */
export type LoginOutcome =
  | FirstFactorOutcome
  /** Unknown user or wrong password: one answer, after the same work (no enumeration). */
  | { kind: "refused" };

/** POST /api/two-factor/login. `trust`: the device trust the completion created (`trustComputer`). */
export type CompletionOutcome =
  | (Completed & { trust: { id: string; maxAgeSeconds: number } | null })
  /** The twoFactorId names no live challenge (unknown, expired, already answered, another tenant's). */
  | { kind: "not-found" }
  /** The code (or recovery code) did not match; counted toward the lock. */
  | { kind: "invalid-code" }
  | Locked;

/** POST /api/two-factor/start. */
export type StartOutcome =
  | { kind: "started"; body: { code: string; twoFactorId: string; methods?: unknown[] } }
  | { kind: "not-found" }
  | Locked;

/** POST /api/webauthn/assert: the passkey verified (FusionAuth's `{credential}`). */
export type AssertOutcome = { kind: "verified"; body: { credential: Record<string, unknown> } } | Locked;

/** The lock a guard verdict reports. */
export function lockedBy(v: GuardVerdict): Locked {
  return { kind: "locked", actions: v.status === "locked" ? v.actions : [] };
}

/** /api/two-factor/status: would a login be challenged now (`body`: FusionAuth's `{trusts, twoFactorTrustId?}`)? */
export type TrustStatusOutcome =
  | { kind: "no-challenge" | "challenge-required"; body: Record<string, unknown> }
  | { kind: "not-found" };
