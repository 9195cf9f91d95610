/**
 * Security notifications to the user (pure): email subject and text, and an SMS, for each alert kind.
 * They say what happened, when, roughly where and from what device, and what to do. They never
 * contain a code, a secret or a link (a link in a security mail is what phishing imitates), and every
 * interpolated value is cleaned: control characters (CR/LF header or line injection) removed, length
 * capped.
 */
import type { EventInfo } from "./events.ts";
import { describeUserAgent } from "./user-agent.ts";

export type AlertKind =
  | "failed_attempts"
  | "method_added"
  | "method_removed"
  | "recovery_code_used"
  | "recovery_codes_regenerated"
  | "account_locked"
  | "new_device"
  | "new_country"
  | "suspicious_login";

export type AlertFacts = {
  kind: AlertKind;
  issuer: string;
  /** Unix seconds. */
  at: number;
  ipAddress?: string | null;
  location?: EventInfo["location"] | null;
  userAgent?: string | null;
  /** "authenticator" | "email" | "sms" | "recovery code" | "webauthn" | … */
  factor?: string | null;
  failures?: number;
  methodName?: string | null;
  /** Unix seconds; null = until an administrator unlocks. */
  lockedUntil?: number | null;
};

/** Printable text only, one line, at most `max` characters. */
export function clean(v: unknown, max = 80): string {
  if (typeof v !== "string" && typeof v !== "number") return "";
  return String(v).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029<>]/g, " ").replace(/\s+/g, " ").trim().slice(0, max);
}

function when(at: number): string {
  return new Date(at * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

function where(loc: AlertFacts["location"]): string {
  const parts = [loc?.city, loc?.region, loc?.country].map((p) => clean(p, 60)).filter(Boolean);
  return parts.length ? parts.join(", ") : "an unknown location";
}

const FACTOR_NAMES: Record<string, string> = {
  authenticator: "authenticator app code",
  email: "email code",
  sms: "text message code",
  code: "one-time code",
  "recovery code": "recovery code",
  webauthn: "passkey",
};

function factorName(f: string | null | undefined): string {
  return (f && FACTOR_NAMES[f]) ?? "second-factor code";
}

const IF_NOT_YOU = "If this wasn't you, change your password now and review your sign-in methods and trusted devices.";

function headline(f: AlertFacts): { subject: string; line: string; advice: string } {
  const method = clean(f.methodName, 60);
  const named = method ? ` ("${method}")` : "";
  switch (f.kind) {
    case "failed_attempts":
      return {
        subject: "Failed sign-in attempts on your account",
        line: `${f.failures ?? "Several"} wrong ${factorName(f.factor)}s were entered for your account. Your password may be known to someone else.`,
        advice: "If this wasn't you, change your password now and review your sign-in methods. Never share a code with anyone.",
      };
    case "method_added":
      return { subject: "A sign-in method was added", line: `A ${factorName(f.factor).replace(/ code$/, "")} sign-in method${named} was added to your account.`, advice: "If you didn't add it, remove it and change your password now." };
    case "method_removed":
      return { subject: "A sign-in method was removed", line: `${f.factor === "all methods" ? "All two-factor sign-in methods were" : `A ${factorName(f.factor).replace(/ code$/, "")} sign-in method${named} was`} removed from your account.`, advice: IF_NOT_YOU };
    case "recovery_code_used":
      return { subject: "A recovery code was used", line: "One of your recovery codes was used to sign in or change your account.", advice: IF_NOT_YOU };
    case "recovery_codes_regenerated":
      return { subject: "New recovery codes were created", line: "New recovery codes were created for your account; the old ones no longer work.", advice: IF_NOT_YOU };
    case "account_locked":
      return {
        subject: "Your account was locked",
        line: `Your account was locked after too many failed sign-in attempts${f.lockedUntil ? ` until ${when(f.lockedUntil)}` : " until an administrator unlocks it"}.`,
        advice: IF_NOT_YOU,
      };
    case "new_device":
      return { subject: "New sign-in to your account", line: "Your account was signed in to from a device we haven't seen before.", advice: IF_NOT_YOU };
    case "new_country":
      return { subject: "Sign-in from a new country", line: "Your account was signed in to from a country we haven't seen before.", advice: IF_NOT_YOU };
    case "suspicious_login":
      return { subject: "Suspicious sign-in attempt", line: "A sign-in to your account looked unusual, so we asked for your second factor.", advice: IF_NOT_YOU };
  }
}

export function renderAlertEmail(f: AlertFacts): { subject: string; text: string } {
  const h = headline(f);
  const issuer = clean(f.issuer, 60) || "edge-mfa";
  const lines = [
    h.line,
    "",
    `When: ${when(f.at)}`,
    `Where: ${where(f.location)} (approximate)`,
    `IP address: ${clean(f.ipAddress, 45) || "unknown"}`,
    `Device: ${describeUserAgent(f.userAgent ?? null).display}`,
    "",
    h.advice,
    "",
    `— ${issuer} security`,
  ];
  return { subject: `${issuer}: ${h.subject}`, text: lines.join("\n") };
}

export function renderAlertSms(f: AlertFacts): string {
  const h = headline(f);
  const issuer = clean(f.issuer, 20) || "edge-mfa";
  const place = where(f.location);
  const text = `${issuer}: ${h.subject} ${when(f.at)}, ${place}. If this wasn't you, change your password.`;
  return text.length <= 160 ? text : `${issuer}: ${h.subject} ${when(f.at)}. If this wasn't you, change your password.`.slice(0, 160);
}
