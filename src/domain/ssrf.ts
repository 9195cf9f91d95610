/**
 * Server-side request forgery guard for webhook targets (pure). `classifyHost` names the kind of
 * address a URL host designates; `webhookUrlProblem` applies the webhook URL policy: https only and
 * a public target in production, plain http and local listeners in development and tests.
 *
 * Hosts are read through the WHATWG URL host parser (URL Standard §3.5, the parser fetch() uses),
 * so every spelling fetch() would accept — IPv4 as one decimal, hex or octal number, 2- or 3-part
 * forms, full-width digits, a trailing dot, IPv6 with an embedded IPv4 tail — is classified as the
 * address it becomes, not as the text it was.
 *
 * Limit: names are not resolved (Workers cannot resolve DNS before fetch), so a public name whose
 * DNS answer is a private address (`127.0.0.1.nip.io`, DNS rebinding) is not caught here. Cloudflare's
 * egress cannot reach the customer's private networks or the platform's metadata service anyway;
 * this guard keeps the configured target honest and refuses what would be dangerous elsewhere.
 */

export type HostClass =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "unique-local"
  | "unspecified"
  | "reserved"
  | "internal-name"
  | "invalid";

type V4Range = readonly [base: number, prefix: number, kind: HostClass];

/** IANA IPv4 special-purpose registry (RFC 6890 §2.2.2, RFC 1918, RFC 3927, RFC 6598, RFC 5737, RFC 5771). */
const V4_RANGES: readonly V4Range[] = [
  [v4(0, 0, 0, 0), 8, "unspecified"], // "this network", RFC 1122 §3.2.1.3
  [v4(10, 0, 0, 0), 8, "private"],
  [v4(100, 64, 0, 0), 10, "private"], // shared address space (carrier NAT, cloud metadata)
  [v4(127, 0, 0, 0), 8, "loopback"],
  [v4(169, 254, 0, 0), 16, "link-local"], // includes 169.254.169.254, the cloud metadata address
  [v4(172, 16, 0, 0), 12, "private"],
  [v4(192, 0, 0, 0), 24, "reserved"], // IETF protocol assignments (Oracle Cloud metadata 192.0.0.192)
  [v4(192, 0, 2, 0), 24, "reserved"],
  [v4(192, 88, 99, 0), 24, "reserved"],
  [v4(192, 168, 0, 0), 16, "private"],
  [v4(198, 18, 0, 0), 15, "reserved"],
  [v4(198, 51, 100, 0), 24, "reserved"],
  [v4(203, 0, 113, 0), 24, "reserved"],
  [v4(224, 0, 0, 0), 4, "reserved"], // multicast
  [v4(240, 0, 0, 0), 4, "reserved"], // future use and limited broadcast
];

/** Name suffixes that never designate a public host: RFC 6761 §6.3, RFC 6762, RFC 8375, ICANN's `.internal`. */
const INTERNAL_SUFFIXES = [
  "internal",
  "local",
  "localdomain",
  "home.arpa",
  "lan",
  "intranet",
  "corp",
  "home",
  "private",
];

function v4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function classifyV4(addr: number): HostClass {
  for (const [base, prefix, kind] of V4_RANGES) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    if ((addr & mask) >>> 0 === base) return kind;
  }
  return "public";
}

/** The eight 16-bit groups of a WHATWG-serialised IPv6 address (lowercase hex, at most one `::`). */
function v6Groups(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const part = (s: string) =>
    s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : fill < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return groups.some(Number.isNaN) ? null : groups;
}

const zero = (gs: number[]) => gs.every((g) => g === 0);
const v4Of = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

/** RFC 6890 §2.2.3 and RFC 4291 §2.4: the IPv6 special-purpose blocks, embedded IPv4 classified as IPv4. */
function classifyV6(g: number[]): HostClass {
  const [g0, g1, g2] = g as [number, number, number];
  if (zero(g)) return "unspecified";
  if (zero(g.slice(0, 7)) && g[7] === 1) return "loopback";
  if (zero(g.slice(0, 5)) && g[5] === 0xffff) return classifyV4(v4Of(g[6]!, g[7]!)); // IPv4-mapped, RFC 4291 §2.5.5.2
  if (g0 === 0x64 && g1 === 0xff9b && zero(g.slice(2, 6))) return classifyV4(v4Of(g[6]!, g[7]!)); // NAT64, RFC 6052 §2.1
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return "reserved"; // local-use NAT64, RFC 8215
  if (g0 >> 8 === 0) return "reserved"; // ::/8 incl. IPv4-compatible (RFC 4291 §2.5.5.1, deprecated)
  if (g0 === 0x100 && zero(g.slice(1, 4))) return "reserved"; // discard-only, RFC 6666
  if (g0 === 0x2001 && (g1 === 0 || g1 === 0xdb8 || g1 === 2)) return "reserved"; // Teredo, documentation, benchmarking
  if (g0 === 0x3fff && g1 >> 12 === 0) return "reserved"; // documentation, RFC 9637
  if (g0 === 0x2002) return classifyV4(v4Of(g1, g2)); // 6to4, RFC 3056 §2
  if ((g0 & 0xfe00) === 0xfc00) return "unique-local"; // fc00::/7, RFC 4193
  if ((g0 & 0xffc0) === 0xfe80) return "link-local"; // fe80::/10, RFC 4291 §2.5.6
  if ((g0 & 0xffc0) === 0xfec0) return "private"; // site-local, RFC 3879 (deprecated)
  if ((g0 & 0xff00) === 0xff00) return "reserved"; // multicast
  return "public";
}

/** The WHATWG host of `raw` (a URL's hostname, a bare IPv6 address, or a name), or null. */
function parseHost(raw: string): string | null {
  if (raw === "" || /[\s/?#@\\]/.test(raw)) return null;
  const bracketed = raw.includes(":") && !raw.startsWith("[") ? `[${raw}]` : raw;
  try {
    const u = new URL(`http://${bracketed}/`);
    return u.port === "" ? u.hostname : null;
  } catch {
    return null;
  }
}

/** What kind of target `host` designates. Anything but "public" must not receive a production webhook. */
export function classifyHost(host: string): HostClass {
  const h = parseHost(host);
  if (h === null) return "invalid";
  if (h.startsWith("[")) {
    const g = v6Groups(h.slice(1, -1));
    return g ? classifyV6(g) : "invalid";
  }
  const quad = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  if (quad) return classifyV4(v4(Number(quad[1]), Number(quad[2]), Number(quad[3]), Number(quad[4])));
  // Trailing dots: the parser keeps all but one (`127.0.0.1..` stays a name), a resolver may drop them.
  const name = h.replace(/\.+$/, "");
  if (name !== h) return name === "" ? "invalid" : classifyHost(name);
  if (name === "localhost" || name.endsWith(".localhost")) return "loopback";
  if (!name.includes(".")) return "internal-name"; // single label: completed by the resolver's search list
  if (INTERNAL_SUFFIXES.some((s) => name.endsWith(`.${s}`))) return "internal-name";
  return "public";
}

export type WebhookUrlProblem = "invalid" | "scheme" | "credentials" | "target";

/**
 * Why `raw` may not be a webhook target, or null when it may. Production: https to a public host.
 * Development and tests (`production: false`): http too, and local listeners.
 */
export function webhookUrlProblem(raw: string, opts: { production: boolean }): WebhookUrlProblem | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return "invalid";
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && !opts.production)) return "scheme";
  if (u.username || u.password) return "credentials";
  if (opts.production && classifyHost(u.hostname) !== "public") return "target";
  return null;
}
