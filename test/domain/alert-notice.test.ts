import { describe, expect, it } from "vitest";
import {
  clean,
  renderAlertEmail,
  renderAlertSms,
  type AlertFacts,
  type AlertKind,
} from "../../src/domain/alert-message.ts";
import { describeUserAgent } from "../../src/domain/user-agent.ts";

const UA = {
  chromeMac:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  safariIphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  edgeWin:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
  firefoxLinux: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  samsung:
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
  ipad: "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  opera:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
  chromebook:
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  curl: "curl/8.5.0",
};

describe("describeUserAgent", () => {
  it.each([
    [UA.chromeMac, "Chrome on macOS", "desktop"],
    [UA.safariIphone, "Safari on iOS", "mobile"],
    [UA.edgeWin, "Edge on Windows", "desktop"],
    [UA.firefoxLinux, "Firefox on Linux", "desktop"],
    [UA.samsung, "Samsung Internet on Android", "mobile"],
    [UA.ipad, "Safari on iPadOS", "tablet"],
    [UA.opera, "Opera on Windows", "desktop"],
    [UA.chromebook, "Chrome on ChromeOS", "desktop"],
    [UA.curl, "curl", "unknown"],
  ])("%s → %s", (ua, display, type) => {
    expect(describeUserAgent(ua)).toMatchObject({ display, deviceType: type });
  });

  it("never echoes the header: hostile or missing input gives fixed names only", () => {
    expect(describeUserAgent(null).display).toBe("Unknown device");
    expect(describeUserAgent("<script>alert(1)</script>\r\nBcc: x@evil").display).toBe("Unknown device");
    expect(describeUserAgent("x".repeat(100_000)).display).toBe("Unknown device");
  });
});

const base: AlertFacts = {
  kind: "failed_attempts",
  issuer: "Acme",
  at: 1_800_000_000,
  ipAddress: "203.0.113.7",
  location: { city: "Amsterdam", country: "NL" },
  userAgent: UA.chromeMac,
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

describe("alert messages", () => {
  it("the failed-attempt notice says what, when, where, from what device, which factor, and what to do", () => {
    const m = renderAlertEmail(base);
    expect(m.subject).toBe("Acme: Failed sign-in attempts on your account");
    expect(m.text).toContain("3 wrong authenticator app codes");
    expect(m.text).toContain("When: 2027-01-15 08:00 UTC");
    expect(m.text).toContain("Where: Amsterdam, NL (approximate)");
    expect(m.text).toContain("IP address: 203.0.113.7");
    expect(m.text).toContain("Device: Chrome on macOS");
    expect(m.text).toMatch(/change your password/);
    expect(m.text).not.toMatch(/https?:\/\//);
  });

  it.each(KINDS)("%s renders an email and an SMS of at most 160 characters", (kind) => {
    const facts = { ...base, kind, lockedUntil: kind === "account_locked" ? 1_800_000_600 : null };
    const email = renderAlertEmail(facts);
    expect(email.subject.length).toBeGreaterThan(10);
    expect(email.text).toContain("When:");
    const sms = renderAlertSms(facts);
    expect(sms.length).toBeLessThanOrEqual(160);
    expect(sms).toContain("Acme");
  });

  it("neutralises hostile values: no CR/LF or markup survives, lengths are capped", () => {
    const hostile = {
      ...base,
      issuer: "Acme\r\nBcc: evil@x",
      ipAddress: "1.2.3.4\r\nX-Injected: 1",
      location: { city: `<b>City</b>\n${"y".repeat(10_000)}`, country: "NL" },
    };
    const m = renderAlertEmail(hostile);
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.text).not.toMatch(/^X-Injected|<b>|\r/m);
    expect(m.text.length).toBeLessThan(1200);
    expect(clean("a\u0000b\u2028c", 10)).toBe("a b c");
  });

  it("missing facts degrade to generic wording", () => {
    const m = renderAlertEmail({ kind: "new_device", issuer: "", at: 0 });
    expect(m.text).toContain("an unknown location");
    expect(m.text).toContain("IP address: unknown");
    expect(m.text).toContain("Device: Unknown device");
    expect(m.subject.startsWith("edge-mfa:")).toBe(true);
  });
});
