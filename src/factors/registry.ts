/**
 * The one list of second factors. Login, step-up, status, the hosted pages, the account pages, the
 * admin console and the UserGuard's answer ladder all read this list (or the views below, computed
 * once at module load). Adding a factor: one file in this folder and one line in `FACTORS`.
 *
 * Order matters twice: `FACTORS` is the order methods are offered in (configurableMethods, the
 * console's toggles, the enrolment chooser); `ANSWER_CHECKERS` is sorted by each rung's `rank`.
 */
import { email } from "./email.ts";
import { passkey } from "./passkey.ts";
import { recoveryCode } from "./recovery-code.ts";
import { sms } from "./sms.ts";
import { totp } from "./totp.ts";
import type { Channel } from "../domain/destination.ts";
import type {
  AnswerChecker,
  CompletionKind,
  DestinationField,
  Factor,
  GuardSide,
  MethodSide,
  StoredMethod,
} from "./types.ts";
import type { TenantSettings } from "../settings.ts";

export const FACTORS: readonly Factor[] = [totp, email, sms, passkey, recoveryCode];

/** A factor stored as an `mfa_methods` row, with its method side. */
export type MethodFactor = Factor & { readonly method: MethodSide };

/** The factors stored as `mfa_methods` rows (authenticator, email, SMS), in offer order. */
export const METHOD_FACTORS: readonly MethodFactor[] = FACTORS.filter((f): f is MethodFactor => f.method !== undefined);

const BY_WIRE: ReadonlyMap<string, Factor> = new Map(FACTORS.map((f) => [f.wire, f]));

/** The factor whose wire name is `wire` (a method row's `method`), if registered. */
export function factorOf(wire: string): Factor | undefined {
  return BY_WIRE.get(wire);
}

/** The method factor of a stored method row. Rows only ever hold registered method kinds (zod enum, D1 CHECK). */
export function methodFactor(row: { method: string }): MethodFactor {
  const f = BY_WIRE.get(row.method);
  if (!f?.method) throw new Error(`unregistered method kind ${row.method}`);
  return f as MethodFactor;
}

/** Whether a code must be sent to the method before it can be answered (email, SMS; not an authenticator app). */
export function sendsCodes(row: { method: string }): boolean {
  return BY_WIRE.get(row.method)?.delivery !== "none";
}

/** A method factor whose codes are sent (email, SMS): it has a channel and a destination field. */
export type DeliveryFactor = MethodFactor & {
  readonly delivery: Channel;
  readonly method: MethodSide & { readonly field: DestinationField };
};

const BY_CHANNEL: ReadonlyMap<Channel, DeliveryFactor> = new Map(
  METHOD_FACTORS.filter((f): f is DeliveryFactor => f.delivery !== "none" && f.method.field !== undefined).map((f) => [
    f.delivery,
    f,
  ]),
);

/** The factors whose codes are sent (email, SMS), in offer order. */
export const DELIVERY_FACTORS: readonly DeliveryFactor[] = [...BY_CHANNEL.values()];

/** The factor that delivers through `channel`. Every channel has one (the registry test proves it). */
export function deliveryFactor(channel: Channel): DeliveryFactor {
  return BY_CHANNEL.get(channel)!;
}

/** The typed-code ladder: every distinct rung of the registered factors, lowest rank first. */
export const ANSWER_CHECKERS: readonly AnswerChecker[] = [
  ...new Set(FACTORS.flatMap((f) => (f.guard.checker ? [f.guard.checker] : []))),
].sort((a, b) => a.rank - b.rank);

/**
 * The guard side of the factor a completion kind names; undefined when none or several share it
 * (`code`: email, SMS and a start-supplied code all complete as a one-time code).
 */
const BY_COMPLETION: ReadonlyMap<CompletionKind, GuardSide> = (() => {
  const out = new Map<CompletionKind, GuardSide | null>();
  for (const f of FACTORS) out.set(f.guard.completion, out.has(f.guard.completion) ? null : f.guard);
  return new Map([...out].filter((e): e is [CompletionKind, GuardSide] => e[1] !== null));
})();

export function guardSideOf(kind: CompletionKind): GuardSide | undefined {
  return BY_COMPLETION.get(kind);
}

/** The user's methods whose factor the tenant enables (FusionAuth ignores the others). */
export function activeMethods<M extends StoredMethod>(methods: M[], settings: TenantSettings): M[] {
  return methods.filter((r) => BY_WIRE.get(r.method)?.enabled(settings) === true);
}

/** The method kinds the tenant lets a user enrol (the 242's `configurableMethods`, the enrolment pages). */
export function configurableFactors(settings: TenantSettings): MethodFactor[] {
  return METHOD_FACTORS.filter((f) => f.enabled(settings));
}
