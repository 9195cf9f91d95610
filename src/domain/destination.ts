/**
 * Delivery destinations (pure): the canonical form a code is bound to, the SMS country allowlist,
 * and the masked form that may appear in logs.
 *
 * Owns: comparing and masking addresses. Must never: log or return an unmasked destination itself.
 * Phone numbers arrive already normalised to E.164 by the request schema (`src/routes/schemas.ts`).
 */

export type Channel = "email" | "sms";

/** The form a code is bound to: emails trimmed and lower-cased (providers treat them case-insensitively), phones as given (E.164). */
export function canonicalDestination(channel: Channel, value: string): string {
  return channel === "email" ? value.trim().toLowerCase() : value.trim();
}

/**
 * SMS pumping defence (README "Email and SMS"): a number may be texted only when its E.164 form starts
 * with `+` and one of the tenant's allowed calling-code prefixes (`"1"`, `"44"`, `"4930"` …).
 * `null` allows every country; an empty list allows none.
 */
export function callingCodeAllowed(e164: string, allowed: readonly string[] | null): boolean {
  if (allowed === null) return true;
  return allowed.some((prefix) => e164.startsWith(`+${prefix}`));
}

/** For operator logs: `a***@example.com`, `+4915******89`. */
export function maskDestination(channel: Channel, value: string): string {
  if (channel === "email") {
    const at = value.lastIndexOf("@");
    return at <= 0 ? "***" : `${value[0]}***${value.slice(at)}`;
  }
  return value.length <= 6 ? "***" : `${value.slice(0, 5)}${"*".repeat(value.length - 7)}${value.slice(-2)}`;
}
