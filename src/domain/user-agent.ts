/**
 * A User-Agent header as a short human description for security notices and device lists (pure).
 *
 * Hand-written on purpose (no dependency): only the browser family, the OS and a rough device type
 * are needed. The header is attacker-controlled and the result lands in emails and SMS, so:
 * - only the first MAX_USER_AGENT_LENGTH (512) characters are read;
 * - the output is built from the fixed names below and never echoes any part of the header, so it
 *   is always printable ASCII (no CR/LF, no markup), whatever arrives.
 * Limits, accepted: an iPad in desktop mode sends a Mac header (reported as macOS, desktop); a
 * header can claim to be anything, so this describes, it never identifies.
 */

export type DeviceType = "desktop" | "mobile" | "tablet" | "unknown";
export type DeviceDescription = { browser: string | null; os: string | null; deviceType: DeviceType; display: string };

export const MAX_USER_AGENT_LENGTH = 512;

/** Scripts, libraries and crawlers: checked before the browsers, since a crawler often also says "Chrome". */
const AUTOMATED: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bcurl\//i, "curl"],
  [/\bWget\//i, "Wget"],
  [/\bokhttp\//i, "OkHttp"],
  [/\bpython-(?:requests|urllib)\//i, "Python script"],
  [/\bGo-http-client\//, "Go program"],
  // "Googlebot/2.1", "bingbot/2.0", "Slackbot-LinkExpanding", "bot" as a word; not a "Cubot" phone.
  [/bot[/-]|\bbot\b|\bcrawler\b|\bspider\b/i, "Bot"],
];

/** First match wins: the browsers that also say "Chrome" (Edge, Opera, Samsung) or "Safari" come first. */
const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\b(?:OPR|OPT|Opera)\//, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\b(?:Firefox|FxiOS)\//, "Firefox"],
  [/\b(?:Chrome|CriOS|Chromium)\//, "Chrome"],
  [/\bVersion\/[\d.]+ (?:Mobile\/\w+ )?Safari\//, "Safari"],
];

/** ChromeOS and Android before Linux (they say "Linux" too); iPad before the iPhone family and macOS. */
const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bCrOS\b/, "ChromeOS"],
  [/\biPad\b/, "iPadOS"],
  [/\b(?:iPhone|iPod)\b/, "iOS"],
  [/\bAndroid\b/, "Android"],
  [/\bWindows\b/, "Windows"],
  [/\bMacintosh\b|\bMac OS X\b/, "macOS"],
  [/\bLinux\b|\bX11\b/, "Linux"],
];

function first(list: ReadonlyArray<readonly [RegExp, string]>, s: string): string | null {
  return list.find(([re]) => re.test(s))?.[1] ?? null;
}

function deviceTypeOf(os: string | null, s: string): DeviceType {
  if (os === "iPadOS" || /\bTablet\b/i.test(s)) return "tablet";
  if (os === "iOS" || /\bMobi(?:le)?\b/.test(s)) return "mobile";
  // Android phones say "Mobile"; Android tablets conventionally do not.
  if (os === "Android") return "tablet";
  return os ? "desktop" : "unknown";
}

export function describeUserAgent(ua: string | null | undefined): DeviceDescription {
  const s = typeof ua === "string" ? ua.slice(0, MAX_USER_AGENT_LENGTH) : "";
  // An automated client's platform claims mean nothing to the user: name the client alone.
  const automated = first(AUTOMATED, s);
  if (automated) return { browser: automated, os: null, deviceType: "unknown", display: automated };
  const browser = first(BROWSERS, s);
  const os = first(SYSTEMS, s);
  const display = browser && os ? `${browser} on ${os}` : (browser ?? (os ? `${os} device` : "Unknown device"));
  return { browser, os, deviceType: deviceTypeOf(os, s), display };
}
