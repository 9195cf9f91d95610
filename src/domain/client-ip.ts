/**
 * The per-IP throttle key (pure). Only `CF-Connecting-IP` is trusted (Cloudflare sets it and clients
 * cannot override it; NIST SP 800-63B §5.2.2 throttles per client). IPv4 addresses count one by one; IPv6 addresses
 * count by /64, the smallest block one subscriber usually gets, so rotating addresses inside one
 * allocation buys nothing. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) counts as the IPv4 address.
 *
 * Owns: parsing and canonical bucket names. Must never: trust X-Forwarded-For or other client headers.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** `ip4:a.b.c.d`, `ip6:xxxx:xxxx:xxxx:xxxx::/64`, or null when the value is absent or not an IP address. */
export function clientIpBucket(header: string | null | undefined): string | null {
  const raw = header?.trim();
  if (!raw || raw.length > 64) return null;
  if (IPV4.test(raw)) return `ip4:${raw}`;
  const groups = expandIPv6(raw);
  if (!groups) return null;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `ip4:${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  return `ip6:${groups
    .slice(0, 4)
    .map((g) => g.toString(16).padStart(4, "0"))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a trailing dotted quad), or null. */
function expandIPv6(addr: string): number[] | null {
  const s = addr.replace(/%.*$/, ""); // zone id
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      if (i === pieces.length - 1 && p.includes(".")) {
        if (!IPV4.test(p)) return null;
        const [a, b, c, d] = p.split(".").map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}
