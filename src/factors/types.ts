/**
 * The shape every second factor has (issue 12). Two interfaces, because two very different callers
 * need a factor:
 * - `FactorDescriptor`: plain data and pure functions for the worker side — whether the tenant
 *   enables it, how it is offered in a 242 / status / step-up method list and on the hosted and
 *   account pages, how it is delivered and enrolled, how the console toggles it.
 * - `GuardSide`: what the UserGuard needs inside its synchronous commit phase — how a typed answer
 *   is checked (`AnswerChecker`), the method kind a completion records, the `factor` its failure
 *   events name and the event it raises when used. It imports nothing but types and pure domain
 *   code, so `src/storage/durable-objects/answers.ts` can walk it without importing a service.
 * Splitting them keeps the Durable Object from depending on page text, and the pages from depending
 * on the object's answer types; one file per factor still holds both halves (`Factor`).
 * Types only: no runtime import, so neither side pulls the other's code.
 */
import type { Channel } from "../domain/destination.ts";
import type { EventType } from "../domain/events.ts";
import type { AlertKind } from "../domain/alert-message.ts";
import type { TenantSettings } from "../settings.ts";
import type { TotpLookup, TotpMatch } from "../storage/durable-objects/totp-replay.ts";

/** A method row as the factor needs it (a row of `mfa_methods`, src/storage/d1/schema.ts). */
export type StoredMethod = {
  id: string;
  method: string;
  name: string | null;
  email: string | null;
  mobilePhone: string | null;
};

/** The `kind` of a completed answer (`CompletedMethod`, src/storage/durable-objects/user-guard-types.ts). */
export type CompletionKind = "code" | "authenticator" | "recovery" | "webauthn";

/** The fields a method adds to FusionAuth's secured method object (`twoFactor.methods[]`). */
export type PublicFields = {
  authenticator?: { algorithm: "HmacSHA1"; codeLength: 6; timeStep: 30 };
  email?: string;
  mobilePhone?: string;
};

/** The destination input of an enrolment form (email and SMS): its form field and labels. */
export type DestinationField = {
  name: "email" | "mobilePhone";
  label: string;
  /** Extra help shown on the account page (after the label, in parentheses). */
  hint?: string;
  type: "email" | "tel";
  autocomplete: "email" | "tel";
  /** The user attribute an empty form starts with (the account's email address). */
  prefill?: "email";
};

/**
 * How a user enrols the factor:
 * - `shared-secret`: the service offers a TOTP key, the user proves it with a code (enableMethod);
 * - `sent-code`: a code sent to the destination proves it (sendMethodCode, then enableOobMethod);
 * - `ceremony`: a WebAuthn registration (src/services/passkey-registration.ts);
 * - `issued`: the service issues it with the first method (recovery codes).
 */
export type Enrolment = "shared-secret" | "sent-code" | "ceremony" | "issued";

export interface FactorDescriptor {
  /** The name on the wire: a method's `method` (FusionAuth), a 242 method, the hosted chooser's value. */
  readonly wire: string;
  /** The factor's name on pages, in the console and in the enrolment method chooser. */
  readonly label: string;
  /** Whether the tenant enables it (FusionAuth ignores methods of a disabled type). */
  enabled(settings: TenantSettings): boolean;
  /** Where it is stored: a row of `mfa_methods`, a row of `passkeys`, or the `recovery_codes` set. */
  readonly stored: "method" | "passkey" | "recovery-codes";
  /** `none`, or the channel its one-time codes are sent through (src/services/oob-delivery.ts). */
  readonly delivery: "none" | Channel;
  readonly enrolment: Enrolment;
  /** The admin console's toggle (absent: not switchable per tenant): the form field and label, and the settings patch it posts. */
  readonly toggle?: {
    readonly field: string;
    readonly label: string;
    patch(enabled: boolean): Record<string, unknown>;
  };
  /** `mfa_methods` factors only: what the method shows and where it sends. */
  readonly method?: MethodSide;
}

/** What a factor stored as an `mfa_methods` row adds (authenticator, email, SMS). */
export interface MethodSide {
  /**
   * What a challenge snapshots of the method at its start (src/services/challenge-init.ts), so the
   * answer needs no D1 read: its encrypted TOTP key, or its destination for `POST /api/two-factor/send`.
   */
  readonly challengeCarries: "totp-key" | "send-target";
  /** FusionAuth's secured method object's factor-specific fields (never a secret). */
  publicFields(row: StoredMethod): PublicFields;
  /** Where its codes go (email address, phone number); null for a factor without delivery. */
  destination(row: StoredMethod): string | null;
  /** The hosted chooser's line (destinations masked: the page is shown before the second factor). */
  chooserLabel(row: StoredMethod): string;
  /** The account page's line (the user is signed in: the destination in full). */
  accountLabel(row: StoredMethod): string;
  /** The account page's "add" link and page title. */
  readonly addTitle: string;
  /** The enrolment form's destination input (sent-code factors). */
  readonly field?: DestinationField;
}

/** What the UserGuard knows of a typed code before judging it (the async phase is already done). */
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

/** The guard's writes a checker may make, passed in so this folder imports no storage code. */
export type AnswerStore = { acceptTotpStep(kv: SyncKvStorage, match: TotpMatch): boolean };

/**
 * One rung of the ladder in src/storage/durable-objects/answers.ts. Synchronous: it runs in the
 * object's commit phase, so nothing may be awaited. Returns null to pass the code to the next rung.
 */
export interface AnswerChecker {
  /** The rung: lower runs first (one-time code 10, TOTP 20, recovery-code shape 30). */
  readonly rank: number;
  check(kv: SyncKvStorage, a: AnswerFacts, store: AnswerStore): Answer | null;
  /** Why a code no rung accepted was refused, when this factor can tell (TOTP: a replayed step). */
  refusal?(a: AnswerFacts): "replay" | undefined;
}

export interface GuardSide {
  /** The `kind` of `CompletedMethod` an answer by this factor completes with. */
  readonly completion: CompletionKind;
  /** The `factor` its failure events and alerts name (alert text: src/domain/alert-message.ts). */
  readonly eventFactor: string;
  /** The typed-code rung, when the factor is answered with a code the object can judge. */
  readonly checker?: AnswerChecker;
  /** The event (and user alert) its use raises besides `user.two-factor.success`. */
  readonly used?: { readonly event: { readonly type: EventType }; readonly alert: { readonly kind: AlertKind } };
}

/** A second factor: one file per factor in this folder, registered once in ./registry.ts. */
export interface Factor extends FactorDescriptor {
  readonly guard: GuardSide;
}
