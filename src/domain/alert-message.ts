/**
 * Security notifications to the user (pure): an email (subject and plain text) and an SMS for each
 * alert kind. Each says what happened, when (UTC), roughly where, from which IP and device, and what
 * to do.
 *
 * Must never contain a code, a secret or a link: a link in a security notice is what phishing
 * imitates, and a code would defeat the factor it reports on. Every interpolated value may be
 * attacker-controlled (User-Agent, relayed location, a method's name), so each goes through `clean`:
 * control, format and line/paragraph-separator characters (CR/LF header or line injection, bidi
 * overrides) become spaces, `<` and `>` are dropped (no markup), anything that looks like a URL is
 * replaced, and the length is capped. The IP address is shown only if it looks like one. The SMS is
 * reduced to printable ASCII without GSM-7 escape characters (accents folded), so it costs one
 * septet per character and fits 160 characters; the location is shortened or dropped to fit.
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
  | "suspicious_login"
  /** The account's email, phone or password changed (to the addresses from before the change). */
  | "account_changed"
  /** This address became the account's email (to the new address). */
  | "email_address_added";

export type AlertFacts = {
  kind: AlertKind;
  issuer: string;
  /** Unix seconds. */
  at: number;
  ipAddress?: string | null;
  location?: EventInfo["location"] | null;
  userAgent?: string | null;
  /** "authenticator" | "email" | "sms" | "recovery code" | "passkey" (or "webauthn") | "code" | "all methods". */
  factor?: string | null;
  failures?: number;
  methodName?: string | null;
  /** Unix seconds; null = until an administrator unlocks; absent = not known. */
  lockedUntil?: number | null;
  /** account_changed: what changed ("email address", "phone number", "password"). */
  changes?: string[] | null;
};

export const SMS_MAX = 160;
const FALLBACK_ISSUER = "edge-mfa";

/** One printable line of at most `max` characters (code points), without markup or links. */
export function clean(v: unknown, max = 80): string {
  if (typeof v !== "string" && !(typeof v === "number" && Number.isFinite(v))) return "";
  const capped = String(v).slice(0, max * 4 + 64); // bounded work for a 10 MB header
  const flat = capped
    .replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu, " ")
    .replace(/[<>]/g, "")
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*|\bwww\.\S*/gi, "(link removed)")
    .replace(/\s+/g, " ")
    .trim();
  return Array.from(flat).slice(0, max).join("").trim();
}

const FOLD: Record<string, string> = {
  ß: "ss",
  æ: "ae",
  Æ: "AE",
  œ: "oe",
  Œ: "OE",
  ø: "o",
  Ø: "O",
  ł: "l",
  Ł: "L",
  đ: "d",
  Đ: "D",
  "—": "-",
  "–": "-",
  "’": "'",
};

/** SMS-safe: accents folded, then only printable ASCII that GSM-7 sends as one septet. */
function gsm(s: string): string {
  return s
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^\x20-\x7e]/g, (ch) => FOLD[ch] ?? "")
    .replace(/[[\]{}\\^~|`]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

function when(at: number | null | undefined): string | null {
  if (typeof at !== "number" || !Number.isFinite(at)) return null;
  const d = new Date(at * 1000);
  return Number.isNaN(d.getTime()) ? null : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** City, region, country as given (deduplicated), else the display string; empty when nothing is known. */
function placeParts(loc: AlertFacts["location"]): string[] {
  const parts: string[] = [];
  for (const p of [loc?.city, loc?.region, loc?.country].map((x) => clean(x, 60)))
    if (p && !parts.includes(p)) parts.push(p);
  if (parts.length) return parts;
  const shown = clean(loc?.displayString, 100);
  return shown ? [shown] : [];
}

function ip(v: string | null | undefined): string {
  return typeof v === "string" && /^[0-9A-Fa-f:.]{2,45}$/.test(v.trim()) ? v.trim() : "unknown";
}

type Factor = { method: string; answers: string; passkey?: true };
const FACTORS: Record<string, Factor> = {
  authenticator: { method: "Authenticator app", answers: "authenticator app code" },
  email: { method: "Email", answers: "email code" },
  sms: { method: "Text message (SMS)", answers: "text message code" },
  code: { method: "One-time code", answers: "one-time code" },
  "recovery code": { method: "Recovery code", answers: "recovery code" },
  passkey: { method: "Passkey", answers: "passkey", passkey: true },
  webauthn: { method: "Passkey", answers: "passkey", passkey: true },
};
const UNKNOWN_FACTOR: Factor = { method: "Two-factor method", answers: "second-factor code" };

function factorOf(f: string | null | undefined): Factor {
  return (typeof f === "string" && Object.hasOwn(FACTORS, f) ? FACTORS[f] : undefined) ?? UNKNOWN_FACTOR;
}

function failedLine(f: AlertFacts): string {
  const n =
    typeof f.failures === "number" && Number.isInteger(f.failures) && f.failures > 0
      ? Math.min(f.failures, 1_000_000)
      : null;
  const factor = factorOf(f.factor);
  const count = n === null ? "Several" : String(n);
  const many = n !== 1;
  const what = factor.passkey
    ? `${count} passkey sign-in attempt${many ? "s" : ""} failed for your account.`
    : `${count} wrong ${factor.answers}${many ? "s were" : " was"} entered for your account.`;
  return `${what} Your password may be known to someone else.`;
}

function methodLine(f: AlertFacts, verb: "added to" | "removed from"): string {
  if (verb === "removed from" && f.factor === "all methods")
    return "All two-factor sign-in methods were removed from your account.";
  const name = clean(f.methodName, 60);
  return `A sign-in method was ${verb} your account: ${factorOf(f.factor).method}${name ? ` ("${name}")` : ""}.`;
}

function lockLine(f: AlertFacts): string {
  const until =
    f.lockedUntil === null
      ? "an administrator unlocks it"
      : typeof f.lockedUntil === "number" && f.lockedUntil > 0
        ? when(f.lockedUntil)
        : null;
  return `Your account was locked${until ? ` until ${until}` : ""} after too many failed sign-in attempts.`;
}

const CHANGE_NAMES = ["email address", "phone number", "password"];

function changedLine(f: AlertFacts): string {
  const named = CHANGE_NAMES.filter((c) => f.changes?.includes(c));
  if (!named.length) return "The sign-in details of your account were changed.";
  const list = named.length === 1 ? named[0] : `${named.slice(0, -1).join(", ")} and ${named.at(-1)}`;
  return `The ${list} of your account ${named.length === 1 ? "was" : "were"} changed.`;
}

const IF_NOT_YOU = "If this wasn't you, change your password and review your sign-in methods and trusted devices.";
const IF_NOT_ADDED = "If you didn't add it, remove it and change your password.";

type Notice = { subject: string; line: string; advice: string };
/** Every SMS notice ends with this sentence, so people (and test/support/oob.ts) can tell notices from code messages. */
const SMS_ENDING = "If this wasn't you, change your password.";

function notice(f: AlertFacts): Notice {
  const plain = (subject: string, line: string): Notice => ({ subject, line, advice: IF_NOT_YOU });
  switch (f.kind) {
    case "failed_attempts":
      return {
        ...plain("Failed sign-in attempts on your account", failedLine(f)),
        advice: `${IF_NOT_YOU} Never share a code with anyone.`,
      };
    case "method_added":
      return { ...plain("A sign-in method was added", methodLine(f, "added to")), advice: IF_NOT_ADDED };
    case "method_removed":
      return plain("A sign-in method was removed", methodLine(f, "removed from"));
    case "recovery_code_used":
      return plain(
        "A recovery code was used",
        "One of your recovery codes was used to sign in or change your account.",
      );
    case "recovery_codes_regenerated":
      return plain(
        "New recovery codes were created",
        "New recovery codes were created for your account; the old ones no longer work.",
      );
    case "account_locked":
      return plain("Your account was locked", lockLine(f));
    case "new_device":
      return plain(
        "New sign-in to your account",
        "Your account was signed in to from a device we haven't seen before.",
      );
    case "new_country":
      return plain(
        "Sign-in from a new country",
        "Your account was signed in to from a country we haven't seen before.",
      );
    case "account_changed":
      return {
        subject: "Your account details were changed",
        line: changedLine(f),
        advice: "If this wasn't you, contact support right away: someone may have taken over your account.",
      };
    case "email_address_added":
      return {
        subject: "Your email address was added to an account",
        line: "This email address is now the sign-in address of an account, and security notices for it will come here.",
        advice: "If you didn't expect this, contact support.",
      };
    case "suspicious_login":
      return plain(
        "Suspicious sign-in attempt",
        "A sign-in to your account looked unusual: a new device in a new country, or too far from your last sign-in to be a journey.",
      );
  }
}

export function renderAlertEmail(f: AlertFacts): { subject: string; text: string } {
  const n = notice(f);
  const issuer = clean(f.issuer, 60) || FALLBACK_ISSUER;
  const parts = placeParts(f.location);
  const lines = [
    n.line,
    "",
    `When: ${when(f.at) ?? "unknown time"}`,
    `Where: ${parts.length ? `${parts.join(", ")} (approximate)` : "an unknown location"}`,
    `IP address: ${ip(f.ipAddress)}`,
    `Device: ${describeUserAgent(f.userAgent).display}`,
    "",
    n.advice,
    "",
    `- ${issuer} security`,
  ];
  return { subject: `${issuer}: ${n.subject}`, text: lines.join("\n") };
}

/** At most 160 GSM-7 characters, no link: issuer, what, when, where (shortened or dropped to fit), the fixed ending. */
export function renderAlertSms(f: AlertFacts): string {
  const n = notice(f);
  const issuer = gsm(clean(f.issuer, 20)) || FALLBACK_ISSUER;
  const head = `${issuer}: ${n.subject}${when(f.at) ? ` ${when(f.at)}` : ""}`;
  const tail = `. ${SMS_ENDING}`;
  const parts = placeParts(f.location).map(gsm).filter(Boolean);
  const places = [parts, [parts[0], parts.at(-1)], [parts.at(-1)]].map((p) =>
    [...new Set(p)].filter(Boolean).join(", "),
  );
  const place = places.find((p) => p && head.length + 2 + p.length + tail.length <= SMS_MAX);
  return `${head}${place ? `, ${place}` : ""}${tail}`.slice(0, SMS_MAX);
}
