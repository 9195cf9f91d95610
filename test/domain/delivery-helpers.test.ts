/** Client-IP buckets, destinations (allowlist, masking) and message templates: the pure helpers of email/SMS codes. */
import { describe, expect, it } from "vitest";
import { clientIpBucket } from "../../src/domain/client-ip.ts";
import { callingCodeAllowed, canonicalDestination, maskDestination } from "../../src/domain/destination.ts";
import {
  DEFAULT_EMAIL_TEMPLATE,
  escapeHtml,
  fillTemplate,
  lifetimeMinutes,
  renderEmail,
  renderSms,
} from "../../src/domain/message-template.ts";

describe("clientIpBucket", () => {
  it.each([
    ["203.0.113.7", "ip4:203.0.113.7"],
    [" 198.51.100.1 ", "ip4:198.51.100.1"],
    ["2001:db8:1:2::1", "ip6:2001:0db8:0001:0002::/64"],
    ["2001:db8:1:2:ffff:ffff:ffff:ffff", "ip6:2001:0db8:0001:0002::/64"],
    ["2001:DB8:1:2:0:0:0:9", "ip6:2001:0db8:0001:0002::/64"],
    ["::1", "ip6:0000:0000:0000:0000::/64"],
    ["fe80::1%eth0", "ip6:fe80:0000:0000:0000::/64"],
    ["::ffff:192.0.2.33", "ip4:192.0.2.33"],
    ["64:ff9b::192.0.2.33", "ip6:0064:ff9b:0000:0000::/64"],
  ])("%s → %s", (raw, bucket) => expect(clientIpBucket(raw)).toBe(bucket));

  it.each([
    [undefined],
    [null],
    [""],
    ["not an ip"],
    ["256.1.1.1"],
    ["1.2.3"],
    ["2001:db8::1::2"],
    ["2001:db8:1:2:3:4:5:6:7"],
    ["12345::1"],
    ["x".repeat(100)],
  ])("%s → null", (raw) => {
    expect(clientIpBucket(raw as string | null | undefined)).toBeNull();
  });

  it("puts every address of one /64 in one bucket and neighbouring /64s in others", () => {
    expect(clientIpBucket("2001:db8:aa:bb::1")).toBe(clientIpBucket("2001:db8:aa:bb:1234:5678:9abc:def0"));
    expect(clientIpBucket("2001:db8:aa:bb::1")).not.toBe(clientIpBucket("2001:db8:aa:bc::1"));
  });
});

describe("destinations", () => {
  it("binds emails case-insensitively and phones as E.164", () => {
    expect(canonicalDestination("email", " Alice@Example.COM ")).toBe("alice@example.com");
    expect(canonicalDestination("sms", "+15551234567")).toBe("+15551234567");
  });

  it("allows SMS only to allowlisted calling-code prefixes (null = all, [] = none)", () => {
    expect(callingCodeAllowed("+447700900123", ["44"])).toBe(true);
    expect(callingCodeAllowed("+15551234567", ["44", "49"])).toBe(false);
    expect(callingCodeAllowed("+4930123456", ["4930"])).toBe(true);
    expect(callingCodeAllowed("+4989123456", ["4930"])).toBe(false);
    expect(callingCodeAllowed("+15551234567", null)).toBe(true);
    expect(callingCodeAllowed("+15551234567", [])).toBe(false);
  });

  it("masks destinations for logs", () => {
    expect(maskDestination("email", "alice@example.com")).toBe("a***@example.com");
    expect(maskDestination("sms", "+15551234567")).toBe("+1555*****67");
    expect(maskDestination("email", "nonsense")).toBe("***");
  });
});

describe("message templates", () => {
  const values = { code: "012345", minutes: 5, tenantName: "Acme <Corp>" };

  it("fills {{code}}, {{minutes}} and {{tenantName}} (spaces allowed) and leaves other braces alone", () => {
    expect(fillTemplate("{{ code }} for {{tenantName}} ({{minutes}} min) {{other}}", values)).toBe(
      "012345 for Acme <Corp> (5 min) {{other}}",
    );
  });

  it("escapes values in HTML bodies and keeps subjects on one line", () => {
    const out = renderEmail(
      { subject: "Code\r\nBcc: x@evil.test {{code}}", text: "{{code}}", html: "<b>{{tenantName}}</b> {{code}}" },
      values,
    );
    expect(out).toEqual({
      subject: "Code Bcc: x@evil.test 012345",
      text: "012345",
      html: "<b>Acme &#60;Corp&#62;</b> 012345",
    });
    expect(escapeHtml(`&"'`)).toBe("&#38;&#34;&#39;");
  });

  it("has defaults that carry the code, the lifetime and the tenant's name", () => {
    const out = renderEmail(DEFAULT_EMAIL_TEMPLATE, values);
    for (const part of [out.text, out.html!]) expect(part).toContain("012345");
    expect(out.text).toContain("5 minute(s)");
    expect(out.subject).toContain("Acme <Corp>");
    expect(renderSms({ text: "{{code}} / {{minutes}}" }, values)).toBe("012345 / 5");
  });

  it("rounds lifetimes up to whole minutes, at least one", () => {
    expect([lifetimeMinutes(30), lifetimeMinutes(60), lifetimeMinutes(61), lifetimeMinutes(600)]).toEqual([
      1, 1, 2, 10,
    ]);
  });
});
