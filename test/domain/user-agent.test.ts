/** User-Agent descriptions (pure): real headers give "Browser on OS"; hostile ones never leak into the output. */
import { describe, expect, it } from "vitest";
import { describeUserAgent, MAX_USER_AGENT_LENGTH } from "../../src/domain/user-agent.ts";

/** Real headers as browsers and clients send them (2024–2025 versions). */
const REAL: Array<[string, string, string | null, string | null, string]> = [
  // [user agent, display, browser, os, deviceType]
  [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Chrome on macOS",
    "Chrome",
    "macOS",
    "desktop",
  ],
  [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Chrome on Windows",
    "Chrome",
    "Windows",
    "desktop",
  ],
  [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
    "Edge on Windows",
    "Edge",
    "Windows",
    "desktop",
  ],
  [
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Firefox on Linux",
    "Firefox",
    "Linux",
    "desktop",
  ],
  [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Safari on macOS",
    "Safari",
    "macOS",
    "desktop",
  ],
  [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Safari on iOS",
    "Safari",
    "iOS",
    "mobile",
  ],
  [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    "Chrome on iOS",
    "Chrome",
    "iOS",
    "mobile",
  ],
  [
    "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Safari on iPadOS",
    "Safari",
    "iPadOS",
    "tablet",
  ],
  [
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Chrome on Android",
    "Chrome",
    "Android",
    "mobile",
  ],
  [
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    "Samsung Internet on Android",
    "Samsung Internet",
    "Android",
    "mobile",
  ],
  [
    "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Chrome on Android",
    "Chrome",
    "Android",
    "tablet",
  ],
  [
    "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
    "Firefox on Android",
    "Firefox",
    "Android",
    "mobile",
  ],
  [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
    "Opera on Windows",
    "Opera",
    "Windows",
    "desktop",
  ],
  [
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Chrome on ChromeOS",
    "Chrome",
    "ChromeOS",
    "desktop",
  ],
  [
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.2903.87",
    "Edge on Android",
    "Edge",
    "Android",
    "mobile",
  ],
];

const AUTOMATED: Array<[string, string]> = [
  ["curl/8.5.0", "curl"],
  ["okhttp/4.12.0", "OkHttp"],
  ["Wget/1.21.4", "Wget"],
  ["python-requests/2.32.3", "Python script"],
  ["Go-http-client/2.0", "Go program"],
  ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Bot"],
  [
    "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Bot",
  ],
  ["Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "Bot"],
];

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

describe("describeUserAgent: real browsers", () => {
  it.each(REAL)("%s → %s", (ua, display, browser, os, deviceType) => {
    expect(describeUserAgent(ua)).toEqual({ browser, os, deviceType, display });
  });
});

describe("describeUserAgent: scripts, libraries and crawlers", () => {
  it.each(AUTOMATED)("%s → %s (no platform, unknown type)", (ua, name) => {
    expect(describeUserAgent(ua)).toEqual({ browser: name, os: null, deviceType: "unknown", display: name });
  });

  it("a phone brand that ends in 'bot' is not a crawler", () => {
    const cubot =
      "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36";
    expect(describeUserAgent(cubot).display).toBe("Chrome on Android");
  });
});

describe("describeUserAgent: partial and missing input", () => {
  it.each([null, undefined, "", "   ", "Mozilla/5.0", "definitely not a browser"])("%j → Unknown device", (ua) => {
    expect(describeUserAgent(ua)).toEqual({
      browser: null,
      os: null,
      deviceType: "unknown",
      display: "Unknown device",
    });
  });

  it("a known OS without a known browser is '<OS> device'", () => {
    expect(describeUserAgent("SomeApp/1.0 (Windows NT 10.0; Win64; x64)")).toMatchObject({
      browser: null,
      os: "Windows",
      display: "Windows device",
      deviceType: "desktop",
    });
  });

  it("a known browser without a known OS is just the browser", () => {
    expect(describeUserAgent("Firefox/133.0")).toMatchObject({
      browser: "Firefox",
      os: null,
      display: "Firefox",
      deviceType: "unknown",
    });
  });

  it("a non-string value (bad caller) is treated as missing", () => {
    expect(describeUserAgent(42 as unknown as string).display).toBe("Unknown device");
  });
});

describe("describeUserAgent: hostile input", () => {
  const HOSTILE = [
    "<script>alert(1)</script>",
    "Chrome/1.0\r\nBcc: victim@example.com\r\n\r\nclick https://evil.example",
    "Mozilla/5.0 (Windows NT 10.0) Chrome/131.0 <img src=x onerror=alert(1)>\u0000\u001b[31m",
    "\u202eMozilla/5.0 (Macintosh) Version/18.1 Safari/605.1.15\u2028\u2029",
    "x".repeat(100_000),
    `Mozilla/5.0 (${"(".repeat(10_000)}Chrome/1`,
  ];

  it.each(HOSTILE.map((h) => [h.slice(0, 40), h]))("%j: output is fixed names only, printable ASCII", (_, ua) => {
    const d = describeUserAgent(ua);
    for (const v of [d.display, d.browser ?? "-", d.os ?? "-"]) {
      expect(v).toMatch(PRINTABLE_ASCII);
      expect(v).not.toMatch(/[<>\r\n]|script|evil|Bcc/i);
      expect(v.length).toBeLessThanOrEqual(40);
    }
  });

  it("CRLF in a real header changes nothing about the description", () => {
    expect(
      describeUserAgent("Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nX-Injected: 1\r\n Chrome/131.0.0.0").display,
    ).toBe("Chrome on Windows");
  });

  it("reads only the first 512 characters", () => {
    const padding = "x".repeat(MAX_USER_AGENT_LENGTH);
    expect(MAX_USER_AGENT_LENGTH).toBe(512);
    expect(describeUserAgent(`${padding} (Windows NT 10.0) Chrome/131.0`).display).toBe("Unknown device");
    expect(describeUserAgent(`(Windows NT 10.0) Chrome/131.0 ${padding}`).display).toBe("Chrome on Windows");
  });
});
