/**
 * Who is asking, for events, alerts and risk: FusionAuth's EventInfo from the request.
 *
 * Sources, in order of trust:
 * - Cloudflare's own view: `CF-Connecting-IP`, `User-Agent` and `request.cf` (country, city,
 *   region, postal code, coordinates, ASN). Clients cannot forge these.
 * - The body's `eventInfo`, `ipAddress` and `metaData.device` (FusionAuth's fields), honoured only
 *   on API-key requests: there the caller is the application's server relaying its user's context,
 *   and Cloudflare's view would describe that server instead. An anonymous caller (the two-factor
 *   completion) cannot override Cloudflare's view.
 * - The device: the `edgemfa.device` cookie (set on login answers), else, on API-key requests,
 *   `eventInfo.data.deviceId`. The service only ever stores a keyed hash of it.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import * as z from "zod";
import type { EventInfo } from "../domain/events.ts";
import { base64UrlEncode } from "../domain/encoding.ts";
import type { AppEnv } from "../env.ts";

export const DEVICE_COOKIE = "edgemfa.device";
const DEVICE_COOKIE_MAX_AGE = 400 * 86_400; // the longest lifetime browsers keep (RFC 6265bis)

const text = (max: number) => z.string().max(max);

/** FusionAuth's EventInfo as a request field (`eventInfo`). */
export const eventInfoSchema = z
  .object({
    ipAddress: text(64),
    userAgent: text(512),
    deviceName: text(128),
    deviceType: text(64),
    deviceDescription: text(256),
    os: text(128),
    location: z
      .object({
        city: text(128),
        country: text(64),
        region: text(128),
        zipcode: text(32),
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        displayString: text(256),
      })
      .partial(),
    data: z.record(z.string(), z.unknown()),
  })
  .partial();

export type RelayedContext = {
  ipAddress?: string;
  eventInfo?: z.infer<typeof eventInfoSchema>;
  metaData?: Record<string, unknown>;
};

/** What risk judges (src/domain/risk.ts): the device id here is the raw value; callers hash it. */
export type RequestSignals = {
  deviceId: string | null;
  country: string | null;
  asn: number | null;
  latitude: number | null;
  longitude: number | null;
};

export type RequestFacts = { info: EventInfo; signals: RequestSignals };

type Cf = {
  country?: string;
  city?: string;
  region?: string;
  regionCode?: string;
  postalCode?: string;
  latitude?: string;
  longitude?: string;
  asn?: number;
};

function num(v: unknown): number | null {
  const n = typeof v === "string" ? Number.parseFloat(v) : typeof v === "number" ? v : NaN;
  return Number.isFinite(n) ? n : null;
}

function str(v: unknown, max: number): string | undefined {
  return typeof v === "string" && v.length > 0 ? v.slice(0, max) : undefined;
}

function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export function requestFacts(c: Context<AppEnv>, relayed?: RelayedContext): RequestFacts {
  const cf = ((c.req.raw as { cf?: Cf }).cf ?? {}) as Cf;
  const keyed = Boolean(c.var.auth?.keyId);
  const own: EventInfo = compact({
    ipAddress: str(c.req.header("cf-connecting-ip"), 64),
    userAgent: str(c.req.header("user-agent"), 512),
    location: cf.country
      ? compact({
          country: str(cf.country, 64),
          city: str(cf.city, 128),
          region: str(cf.region, 128),
          zipcode: str(cf.postalCode, 32),
          latitude: num(cf.latitude) ?? undefined,
          longitude: num(cf.longitude) ?? undefined,
        })
      : undefined,
  });
  const ownSignals: RequestSignals = {
    deviceId: null,
    country: str(cf.country, 8) ?? null,
    asn: num(cf.asn),
    latitude: num(cf.latitude),
    longitude: num(cf.longitude),
  };
  const cookie = getCookie(c, DEVICE_COOKIE);
  const cookieDevice = cookie && /^[A-Za-z0-9_-]{16,64}$/.test(cookie) ? cookie : null;
  if (!keyed || !relayed) return { info: own, signals: { ...ownSignals, deviceId: cookieDevice } };

  const ei = relayed.eventInfo ?? {};
  const device = (relayed.metaData?.device ?? {}) as Record<string, unknown>;
  const location = ei.location && Object.keys(ei.location).length ? ei.location : own.location;
  const info: EventInfo = compact({
    ...own,
    ...ei,
    ipAddress: ei.ipAddress ?? str(relayed.ipAddress, 64) ?? own.ipAddress,
    deviceName: ei.deviceName ?? str(device.name, 128),
    deviceType: ei.deviceType ?? str(device.type, 64),
    deviceDescription: ei.deviceDescription ?? str(device.description, 256),
    location,
  });
  const relayedDevice = str(ei.data?.deviceId, 128) ?? null;
  const signals: RequestSignals = ei.location
    ? {
        deviceId: cookieDevice ?? relayedDevice,
        country: str(ei.location.country, 8) ?? null,
        asn: null,
        latitude: ei.location.latitude ?? null,
        longitude: ei.location.longitude ?? null,
      }
    : { ...ownSignals, deviceId: cookieDevice ?? relayedDevice };
  return { info, signals };
}

/**
 * Gives a client without one a device cookie for its next logins (an identifier, not a credential:
 * 128 random bits). The login that sets it is judged without a device id: only a device id the
 * request itself carried is compared or remembered, so a server that never forwards the cookie does
 * not make every login look like a new device.
 */
export function ensureDeviceCookie(c: Context<AppEnv>, facts: RequestFacts, random: (n: number) => Uint8Array): void {
  if (facts.signals.deviceId) return;
  setCookie(c, DEVICE_COOKIE, base64UrlEncode(random(16)), {
    path: "/",
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    maxAge: DEVICE_COOKIE_MAX_AGE,
  });
}

type HasHeaders = { req: { header(name: string): string | undefined } };

/** FusionAuth's `X-FusionAuth-TenantId` as sent (trimmed), or null; the auth middleware validates it on keyed routes. */
export function tenantHeader(c: HasHeaders): string | null {
  return c.req.header("x-fusionauth-tenantid")?.trim() || null;
}
