/**
 * A User-Agent header as a short human description for security notices and device lists (pure).
 * Hand-written on purpose: only browser family and OS are needed, and the input is attacker
 * controlled, so the output is built from fixed names only (never echoes the header).
 */

export type DeviceDescription = { browser: string | null; os: string | null; deviceType: "desktop" | "mobile" | "tablet" | "unknown"; display: string };

const MAX_UA = 512;

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, "Edge"],
  [/\b(OPR|Opera)\//, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\b(Firefox|FxiOS)\//, "Firefox"],
  [/\b(Chrome|CriOS|Chromium)\//, "Chrome"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
  [/\bcurl\//i, "curl"],
  [/\bokhttp\//i, "OkHttp"],
  [/\b(bot|crawler|spider)\b/i, "Bot"],
];

const SYSTEMS: Array<[RegExp, string]> = [
  [/\bCrOS\b/, "ChromeOS"],
  [/\biPad\b/, "iPadOS"],
  [/\b(iPhone|iPod)\b/, "iOS"],
  [/\bAndroid\b/, "Android"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"],
];

export function describeUserAgent(ua: string | null | undefined): DeviceDescription {
  const s = (ua ?? "").slice(0, MAX_UA);
  const browser = BROWSERS.find(([re]) => re.test(s))?.[1] ?? null;
  const os = SYSTEMS.find(([re]) => re.test(s))?.[1] ?? null;
  const deviceType: DeviceDescription["deviceType"] =
    os === "iPadOS" || /\bTablet\b/.test(s) ? "tablet" : os === "iOS" || /\bMobile\b/.test(s) ? "mobile" : os ? "desktop" : "unknown";
  const display = browser && os ? `${browser} on ${os}` : browser ?? (os ? `${os} device` : "Unknown device");
  return { browser, os, deviceType, display };
}
