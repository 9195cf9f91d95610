/**
 * Webhook target classification (pure): every spelling of a loopback, private, link-local or
 * metadata address that fetch() would connect to must be recognised, and ordinary public hosts must
 * pass. Hosts are read through the WHATWG URL host parser, the one fetch() itself uses.
 */
import { describe, expect, it } from "vitest";
import { classifyHost, webhookUrlProblem } from "../../src/domain/ssrf.ts";

const host = (url: string) => classifyHost(new URL(url).hostname);

describe("classifyHost: IPv4 in every numeric form", () => {
  it.each([
    ["http://127.0.0.1/", "loopback"],
    ["http://127.255.255.254/", "loopback"],
    ["http://0x7f000001/", "loopback"], // hex, one part
    ["http://2130706433/", "loopback"], // decimal, one part
    ["http://017700000001/", "loopback"], // octal, one part
    ["http://0177.0.0.1/", "loopback"], // octal dotted
    ["http://0x7f.0x0.0x0.0x1/", "loopback"], // hex dotted
    ["http://127.1/", "loopback"], // two parts
    ["http://127.0.1/", "loopback"], // three parts
    ["http://127.0.0.1./", "loopback"], // trailing dot
    ["http://１２７.０.０.１/", "loopback"], // full-width digits (IDNA maps them)
    ["http://%31%32%37.0.0.1/", "loopback"], // percent-encoded host
    ["http://127.0.0.1../", "loopback"], // two trailing dots: the parser keeps it a name
    ["https:\\\\127.0.0.1\\x", "loopback"], // backslashes count as slashes in special URLs
    ["http://[::ffff:0:127.0.0.1]/", "reserved"], // IPv4-translated, RFC 2765
    ["http://0.0.0.0/", "unspecified"],
    ["http://0/", "unspecified"],
    ["http://10.0.0.5/", "private"],
    ["http://0xa000005/", "private"],
    ["http://172.16.0.1/", "private"],
    ["http://172.31.255.255/", "private"],
    ["http://192.168.1.1/", "private"],
    ["http://100.64.0.1/", "private"], // RFC 6598 shared space
    ["http://100.100.100.200/", "private"], // Alibaba Cloud metadata
    ["http://169.254.169.254/", "link-local"], // AWS/GCP/Azure metadata
    ["http://2852039166/", "link-local"], // 169.254.169.254 as one decimal
    ["http://0xa9.0xfe.0xa9.0xfe/", "link-local"],
    ["http://192.0.0.192/", "reserved"], // Oracle Cloud metadata, RFC 6890 192.0.0.0/24
    ["http://192.0.2.1/", "reserved"],
    ["http://198.18.0.1/", "reserved"],
    ["http://224.0.0.1/", "reserved"],
    ["http://255.255.255.255/", "reserved"],
  ])("%s → %s", (url, expected) => {
    expect(host(url)).toBe(expected);
  });

  it.each([
    "http://172.15.255.255/",
    "http://172.32.0.1/",
    "http://100.63.255.255/",
    "http://100.128.0.1/",
    "http://8.8.8.8/",
    "http://1.1.1.1/",
    "http://11.0.0.1/",
    "http://169.253.0.1/",
  ])("%s is public", (url) => expect(host(url)).toBe("public"));
});

describe("classifyHost: IPv6", () => {
  it.each([
    ["http://[::1]/", "loopback"],
    ["http://[0:0:0:0:0:0:0:1]/", "loopback"],
    ["http://[::]/", "unspecified"],
    ["http://[::ffff:127.0.0.1]/", "loopback"], // IPv4-mapped, dotted tail
    ["http://[::ffff:7f00:1]/", "loopback"], // IPv4-mapped, hex tail
    ["http://[::ffff:169.254.169.254]/", "link-local"],
    ["http://[::ffff:10.0.0.5]/", "private"],
    ["http://[::127.0.0.1]/", "reserved"], // IPv4-compatible (deprecated): never a real target
    ["http://[64:ff9b::a9fe:a9fe]/", "link-local"], // NAT64 of 169.254.169.254
    ["http://[2002:7f00:1::]/", "loopback"], // 6to4 of 127.0.0.1
    ["http://[fc00::1]/", "unique-local"],
    ["http://[fd12:3456:789a::1]/", "unique-local"],
    ["http://[fe80::1]/", "link-local"],
    ["http://[febf:ffff::1]/", "link-local"],
    ["http://[fec0::1]/", "private"], // site-local (deprecated)
    ["http://[fd00:ec2::254]/", "unique-local"], // AWS metadata over IPv6
    ["http://[ff02::1]/", "reserved"],
    ["http://[2001:db8::1]/", "reserved"],
    ["http://[2001::1]/", "reserved"], // Teredo
    ["http://[100::1]/", "reserved"], // discard-only
  ])("%s → %s", (url, expected) => {
    expect(host(url)).toBe(expected);
  });

  it.each([
    "http://[2606:4700:4700::1111]/",
    "http://[2a00:1450:4001:80b::200e]/",
    "http://[fe00::1]/",
    "http://[fbff::1]/",
  ])("%s is public", (url) => expect(host(url)).toBe("public"));
});

describe("classifyHost: names", () => {
  it.each([
    ["http://localhost/", "loopback"],
    ["http://LOCALHOST./", "loopback"],
    ["http://localhost../", "loopback"],
    ["http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "loopback"], // IDNA maps enclosed letters
    ["http://api.localhost/", "loopback"], // RFC 6761 §6.3
    ["http://metadata.google.internal/", "internal-name"],
    ["http://metadata.google.internal./", "internal-name"],
    ["http://instance-data.ec2.internal/", "internal-name"],
    ["http://metadata/", "internal-name"], // single label: resolved through search domains
    ["http://printer.local/", "internal-name"], // mDNS, RFC 6762
    ["http://router.home.arpa/", "internal-name"], // RFC 8375
    ["http://box.localdomain/", "internal-name"],
  ])("%s → %s", (url, expected) => {
    expect(host(url)).toBe(expected);
  });

  it.each([
    "http://example.com/",
    "http://hooks.slack.com/",
    "http://localhost.example.com/",
    "http://internal.example.com/",
    "http://127.0.0.1.nip.io/",
  ])("%s is public (no DNS is resolved)", (url) => expect(host(url)).toBe("public"));

  it("bare hosts given directly are read the same way", () => {
    expect(classifyHost("0x7f000001")).toBe("loopback");
    expect(classifyHost("::ffff:169.254.169.254")).toBe("link-local");
    expect(classifyHost("[fe80::1]")).toBe("link-local");
    expect(classifyHost("Metadata.Google.Internal")).toBe("internal-name");
    expect(classifyHost("example.com")).toBe("public");
  });

  it("an unparsable host is not public", () => {
    expect(classifyHost("")).toBe("invalid");
    expect(classifyHost("[::1")).toBe("invalid");
    expect(classifyHost("...")).toBe("invalid");
    expect(classifyHost("127.0.0.1:80")).toBe("invalid");
    expect(classifyHost("evil.com/@127.0.0.1")).toBe("invalid");
  });
});

describe("webhookUrlProblem", () => {
  const production = { production: true };
  const development = { production: false };

  it("production refuses every non-public target the review found", () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://169.254.169.254/latest/meta-data/",
      "https://10.0.0.5/",
      "https://[::1]/",
      "https://localhost/",
      "https://metadata.google.internal/",
      "https://0x7f000001/",
    ]) {
      expect(webhookUrlProblem(url, production), url).toBe("target");
    }
  });

  it("production accepts public https targets and refuses http", () => {
    expect(webhookUrlProblem("https://example.com/hook?x=1", production)).toBeNull();
    expect(webhookUrlProblem("https://93.184.216.34:8443/hook", production)).toBeNull();
    expect(webhookUrlProblem("http://example.com/hook", production)).toBe("scheme");
  });

  it("development keeps local listeners over http", () => {
    expect(webhookUrlProblem("http://127.0.0.1:8787/hook", development)).toBeNull();
    expect(webhookUrlProblem("http://localhost:9000/", development)).toBeNull();
  });

  it("refuses credentials, other schemes and garbage everywhere", () => {
    for (const opts of [production, development]) {
      expect(webhookUrlProblem("https://user:pw@example.com/", opts)).toBe("credentials");
      expect(webhookUrlProblem("ftp://example.com/", opts)).toBe("scheme");
      expect(webhookUrlProblem("file:///etc/passwd", opts)).toBe("scheme");
      expect(webhookUrlProblem("not a url", opts)).toBe("invalid");
    }
  });
});
