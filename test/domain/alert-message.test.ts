/** Security notices (pure): each kind states its facts; hostile values are neutralised; the SMS fits 160 GSM-7 characters. */
import { describe, expect, it } from "vitest";
import {
  clean,
  renderAlertEmail,
  renderAlertSms,
  SMS_MAX,
  type AlertFacts,
  type AlertKind,
} from "../../src/domain/alert-message.ts";

const CHROME_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const AT = Date.UTC(2026, 10, 28, 16, 40, 12) / 1000;
const base: AlertFacts = {
  kind: "failed_attempts",
  issuer: "Acme",
  at: AT,
  ipAddress: "203.0.113.7",
  location: { city: "Amsterdam", region: "North Holland", country: "NL" },
  userAgent: CHROME_MAC,
  factor: "authenticator",
  failures: 3,
};
const KINDS: AlertKind[] = [
  "failed_attempts",
  "method_added",
  "method_removed",
  "recovery_code_used",
  "recovery_codes_regenerated",
  "account_locked",
  "new_device",
  "new_country",
  "suspicious_login",
];
const SUBJECTS: Record<AlertKind, string> = {
  failed_attempts: "Failed sign-in attempts on your account",
  method_added: "A sign-in method was added",
  method_removed: "A sign-in method was removed",
  recovery_code_used: "A recovery code was used",
  recovery_codes_regenerated: "New recovery codes were created",
  account_locked: "Your account was locked",
  new_device: "New sign-in to your account",
  new_country: "Sign-in from a new country",
  suspicious_login: "Suspicious sign-in attempt",
  account_changed: "Your account details were changed",
  email_address_added: "Your email address was added to an account",
};
const IF_NOT_YOU = "If this wasn't you, change your password and review your sign-in methods and trusted devices.";
const GSM_ONE_SEPTET = /^[\x20-\x7e]*$/;
const email = (over: Partial<AlertFacts>) => renderAlertEmail({ ...base, ...over });
const sms = (over: Partial<AlertFacts>) => renderAlertSms({ ...base, ...over });

describe("every kind", () => {
  it.each(KINDS)("%s: subject, when, where, IP, device and what to do; SMS within 160 characters", (kind) => {
    const m = email({ kind });
    expect(m.subject).toBe(`Acme: ${SUBJECTS[kind]}`);
    expect(m.text).toContain("When: 2026-11-28 16:40 UTC");
    expect(m.text).toContain("Where: Amsterdam, North Holland, NL (approximate)");
    expect(m.text).toContain("IP address: 203.0.113.7");
    expect(m.text).toContain("Device: Chrome on macOS");
    expect(m.text).toContain(
      kind === "method_added" ? "If you didn't add it, remove it and change your password." : IF_NOT_YOU,
    );
    expect(m.text.endsWith("- Acme security")).toBe(true);
    const s = sms({ kind });
    expect(s.length).toBeLessThanOrEqual(SMS_MAX);
    expect(s).toMatch(GSM_ONE_SEPTET);
    expect(s.startsWith(`Acme: ${SUBJECTS[kind]} 2026-11-28 16:40 UTC`)).toBe(true);
    expect(s.endsWith(". If this wasn't you, change your password.")).toBe(true); // how notices are told from code messages
  });

  it.each(KINDS)("%s: no link and no field named code", (kind) => {
    for (const text of [email({ kind }).subject, email({ kind }).text, sms({ kind })]) {
      expect(text).not.toMatch(/https?:|www\./i);
      expect(text).not.toMatch(/^\s*(?:one-time |verification |recovery )?code\s*:/im);
    }
  });
});

describe("what each kind says", () => {
  it("failed attempts name the factor and the count, with singular and plural", () => {
    expect(email({}).text).toMatch(
      /^3 wrong authenticator app codes were entered for your account\. Your password may be known/,
    );
    expect(email({ failures: 1, factor: "sms" }).text).toContain("1 wrong text message code was entered");
    expect(email({ factor: "email" }).text).toContain("3 wrong email codes were entered");
    expect(email({ factor: "recovery code" }).text).toContain("3 wrong recovery codes were entered");
    expect(email({ factor: "passkey" }).text).toContain("3 passkey sign-in attempts failed");
    expect(email({ factor: "webauthn", failures: 1 }).text).toContain("1 passkey sign-in attempt failed");
    expect(email({ factor: "carrier pigeon" }).text).toContain("3 wrong second-factor codes were entered");
    expect(email({}).text).toContain("Never share a code with anyone.");
  });

  it("method added and removed name the method and its label; removing all says so", () => {
    expect(email({ kind: "method_added", factor: "passkey", methodName: "YubiKey 5" }).text).toContain(
      'A sign-in method was added to your account: Passkey ("YubiKey 5").',
    );
    expect(email({ kind: "method_added", factor: "sms" }).text).toContain(
      "A sign-in method was added to your account: Text message (SMS).",
    );
    expect(email({ kind: "method_removed", factor: "email" }).text).toContain(
      "A sign-in method was removed from your account: Email.",
    );
    expect(email({ kind: "method_added", methodName: "https://evil.example/cancel to undo" }).text).toContain(
      '("(link removed) to undo")',
    );
    expect(email({ kind: "method_removed", factor: "all methods" }).text).toContain(
      "All two-factor sign-in methods were removed from your account.",
    );
  });

  it("recovery codes: used and regenerated", () => {
    expect(email({ kind: "recovery_code_used" }).text).toContain("One of your recovery codes was used");
    expect(email({ kind: "recovery_codes_regenerated" }).text).toContain("the old ones no longer work");
  });

  it("a lock says until when: a time, an administrator, or nothing when unknown", () => {
    expect(email({ kind: "account_locked", lockedUntil: AT + 180 }).text).toContain(
      "Your account was locked until 2026-11-28 16:43 UTC after too many failed sign-in attempts.",
    );
    expect(email({ kind: "account_locked", lockedUntil: null }).text).toContain(
      "locked until an administrator unlocks it after",
    );
    expect(email({ kind: "account_locked" }).text).toContain(
      "Your account was locked after too many failed sign-in attempts.",
    );
    expect(email({ kind: "account_locked", lockedUntil: -1 }).text).toContain("Your account was locked after");
    expect(email({ kind: "account_locked", lockedUntil: Number.NaN }).text).toContain("Your account was locked after");
  });

  it("new device, new country and suspicious logins describe the sign-in", () => {
    expect(email({ kind: "new_device" }).text).toContain("from a device we haven't seen before");
    expect(email({ kind: "new_country" }).text).toContain("from a country we haven't seen before");
    expect(email({ kind: "suspicious_login" }).text).toContain("looked unusual");
  });
});

describe("missing facts degrade to generic wording", () => {
  it("no location, IP, device, issuer or valid time", () => {
    const m = renderAlertEmail({ kind: "new_device", issuer: "", at: Number.NaN });
    expect(m.subject).toBe("edge-mfa: New sign-in to your account");
    expect(m.text).toContain("When: unknown time");
    expect(m.text).toContain("Where: an unknown location");
    expect(m.text).toContain("IP address: unknown");
    expect(m.text).toContain("Device: Unknown device");
    const s = renderAlertSms({ kind: "new_device", issuer: "", at: Number.POSITIVE_INFINITY });
    expect(s).toBe("edge-mfa: New sign-in to your account. If this wasn't you, change your password.");
  });

  it("partial location: what is known, deduplicated; else the display string", () => {
    expect(email({ location: { country: "SG", city: "Singapore", region: "Singapore" } }).text).toContain(
      "Where: Singapore, SG (approximate)",
    );
    expect(email({ location: { country: "DE" } }).text).toContain("Where: DE (approximate)");
    expect(email({ location: { displayString: "Berlin, Germany" } }).text).toContain(
      "Where: Berlin, Germany (approximate)",
    );
    expect(email({ location: null }).text).toContain("Where: an unknown location");
    expect(email({ failures: Number.NaN }).text).toContain("Several wrong authenticator app codes were entered");
    expect(email({ failures: -4 }).text).toContain("Several wrong");
  });

  it("shows IPv4 and IPv6 addresses, and nothing that is not one", () => {
    expect(email({ ipAddress: "2001:db8::1" }).text).toContain("IP address: 2001:db8::1");
    expect(email({ ipAddress: "not-an-ip" }).text).toContain("IP address: unknown");
  });
});

describe("hostile values are neutralised", () => {
  const CRLF = "\r\nBcc: victim@example.com\r\n\r\n<a href=x>click</a>";
  const hostile: AlertFacts = {
    ...base,
    kind: "method_added",
    issuer: `Acme${CRLF}`,
    ipAddress: `1.2.3.4${CRLF}`,
    userAgent: `Chrome/131${CRLF}`,
    methodName: `My key${CRLF} https://evil.example/reset www.evil.example`,
    location: {
      city: `Berlin${CRLF}${"y".repeat(10_000)}`,
      region: "\u202eevil\u2028\u0000",
      country: "z".repeat(10_000),
    },
  };

  it("no CR/LF in the subject, no injected line or markup in the text, and lengths capped", () => {
    const m = renderAlertEmail(hostile);
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject.length).toBeLessThanOrEqual(100);
    expect(m.text).not.toMatch(/\r|[<>]|^Bcc:|https?:|www\./m);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the assertion is that no control character survives
    expect(m.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e\u2028]/);
    expect(m.text.split("\n")).toHaveLength(10);
    expect(m.text.length).toBeLessThan(1000);
    expect(m.text).toContain("IP address: unknown");
  });

  it("10 000-character values stay short in the SMS too", () => {
    const s = renderAlertSms({ ...hostile, issuer: "I".repeat(10_000) });
    expect(s.length).toBeLessThanOrEqual(SMS_MAX);
    expect(s).toMatch(GSM_ONE_SEPTET);
    expect(s.startsWith(`${"I".repeat(20)}: `)).toBe(true);
  });
});

describe("SMS", () => {
  it("folds accents and drops characters outside GSM-7's one-septet set", () => {
    const s = sms({ issuer: "Zürich Bank™", location: { city: "Kraków", region: "Małopolskie", country: "東京[PL]" } });
    expect(s).toMatch(GSM_ONE_SEPTET);
    expect(s).toContain("Zurich Bank");
    expect(s).toContain("Krakow, Malopolskie, PL");
  });

  it("shortens the location to fit, then drops it, never exceeding 160", () => {
    const long = { city: "C".repeat(40), region: "R".repeat(55), country: "NL" };
    const shortened = sms({ location: long });
    expect(shortened).toContain(`UTC, ${"C".repeat(40)}, NL. If`);
    expect(shortened.length).toBeLessThanOrEqual(SMS_MAX);
    const dropped = sms({ issuer: "Q".repeat(20), location: { city: "C".repeat(60), country: "D".repeat(60) } });
    expect(dropped).toBe(
      `${"Q".repeat(20)}: Failed sign-in attempts on your account 2026-11-28 16:40 UTC. If this wasn't you, change your password.`,
    );
  });
});

describe("clean", () => {
  it("turns control, format and separator characters into single spaces and trims", () => {
    expect(clean("a\u0000b\u2028c", 10)).toBe("a b c");
    expect(clean(" a\r\n\tb\u200b\u202ec ")).toBe("a b c");
  });

  it("caps by code points without splitting a surrogate pair", () => {
    expect(clean("😀😀😀", 2)).toBe("😀😀");
    expect(clean("x".repeat(10_000), 60)).toHaveLength(60);
  });

  it("drops markup, replaces links, and accepts only strings and finite numbers", () => {
    expect(clean("<b>bold</b>")).toBe("bbold/b");
    expect(clean("see https://evil.example/x now")).toBe("see (link removed) now");
    expect(clean(42)).toBe("42");
    expect([clean(null), clean(undefined), clean({}), clean(Number.NaN)]).toEqual(["", "", "", ""]);
  });
});
