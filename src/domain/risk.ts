/**
 * Login risk (pure): a login's device and Cloudflare location (`request.cf`) judged against the
 * user's remembered successful logins. No I/O, no clock: `now` is Unix seconds.
 *
 * Product rules (decisions, not facts; change them here and in test/domain/risk.test.ts):
 * - First login (empty history): low, `firstLogin`, nothing flagged — there is no baseline yet.
 * - New device: a device id not among the remembered ones. A login *without* a device id counts as
 *   new only when the history holds devices: once a user's logins have carried one, a login that
 *   carries none is a fresh browser (or one that dropped its cookie), and stripping the id must not
 *   dodge the check. A server that never relays a device id never fills the history, so its logins
 *   are not flagged every time. An empty string is the same as no id.
 * - New country: a country code never seen in a successful login. No country → not judged.
 * - Impossible travel: the previous login had coordinates, so does this one, the distance is more
 *   than TRAVEL_MIN_KM (500 km; below that, geo-IP jitter) and the implied speed more than
 *   TRAVEL_MAX_KMH (1000 km/h; faster than an airliner). Elapsed time counts as at least
 *   TRAVEL_MIN_SECONDS (60 s) so two logins in the same second (or a clock step backwards) do not
 *   divide by zero. Both bounds are strict: exactly 500 km or exactly 1000 km/h is not flagged.
 * - Level: impossible travel → high; new device AND new country → high; exactly one of them →
 *   medium; else low.
 * - The ASN travels in the signals for the record (events, logs) but is neither judged nor kept in
 *   the history: mobile carriers and corporate VPNs change it too often for it to mean anything alone.
 * - `ChallengeOnMediumRisk` challenges at medium or high; `ChallengeOnHighRisk` only at high.
 * - The history is bounded: the MAX_REMEMBERED (20) most recently seen devices and countries (LRU by
 *   `lastSeen`). `last` moves only when the login says where it came from (coordinates or country),
 *   so a login without location keeps the older, more lenient reference point for travel.
 */

export type LoginSignals = {
  deviceId: string | null;
  country: string | null;
  asn: number | null;
  latitude: number | null;
  longitude: number | null;
};

export type LoginHistory = {
  devices: Array<{ id: string; lastSeen: number }>;
  countries: Array<{ code: string; lastSeen: number }>;
  last: { at: number; country: string | null; latitude: number | null; longitude: number | null } | null;
};

/** Frozen, so no caller can grow the shared empty history by accident. */
export const EMPTY_HISTORY: LoginHistory = Object.freeze({
  devices: Object.freeze([]),
  countries: Object.freeze([]),
  last: null,
}) as unknown as LoginHistory;

/** `UnrecognizedDevice` and `ImpossibleTravel` are FusionAuth AuthenticationThreats names; `NewCountry` is ours. */
export type Threat = "UnrecognizedDevice" | "ImpossibleTravel" | "NewCountry";
export type RiskLevel = "low" | "medium" | "high";
export type RiskAssessment = {
  level: RiskLevel;
  threats: Threat[];
  newDevice: boolean;
  newCountry: boolean;
  impossibleTravel: boolean;
  firstLogin: boolean;
  speedKmh?: number;
};
export type RiskLoginPolicy = "ChallengeOnMediumRisk" | "ChallengeOnHighRisk";

export const MAX_REMEMBERED = 20;
export const TRAVEL_MIN_KM = 500;
export const TRAVEL_MAX_KMH = 1000;
export const TRAVEL_MIN_SECONDS = 60;

/** IUGG mean Earth radius. */
const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km between two points given in degrees. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

function id(v: string | null): string | null {
  return v ? v : null;
}

function point(lat: number | null, lon: number | null): { lat: number; lon: number } | null {
  return lat !== null && lon !== null && Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : null;
}

function isFirstLogin(h: LoginHistory): boolean {
  return h.last === null && h.devices.length === 0 && h.countries.length === 0;
}

/** Speed from the previous login to this one, when both have coordinates. */
function travel(history: LoginHistory, signals: LoginSignals, now: number): { km: number; speedKmh: number } | null {
  const from = history.last ? point(history.last.latitude, history.last.longitude) : null;
  const to = point(signals.latitude, signals.longitude);
  if (!history.last || !from || !to) return null;
  const km = haversineKm(from.lat, from.lon, to.lat, to.lon);
  const hours = Math.max(TRAVEL_MIN_SECONDS, now - history.last.at) / 3600;
  return { km, speedKmh: km / hours };
}

/** Judges one login against the history; does not change the history (see rememberLogin). */
export function assessRisk(history: LoginHistory, signals: LoginSignals, now: number): RiskAssessment {
  if (isFirstLogin(history))
    return {
      level: "low",
      threats: [],
      newDevice: false,
      newCountry: false,
      impossibleTravel: false,
      firstLogin: true,
    };
  const device = id(signals.deviceId);
  const country = id(signals.country);
  const newDevice = device === null ? history.devices.length > 0 : !history.devices.some((d) => d.id === device);
  const newCountry = country !== null && !history.countries.some((c) => c.code === country);
  const moved = travel(history, signals, now);
  const impossibleTravel = moved !== null && moved.km > TRAVEL_MIN_KM && moved.speedKmh > TRAVEL_MAX_KMH;
  const threats: Threat[] = [];
  if (newDevice) threats.push("UnrecognizedDevice");
  if (newCountry) threats.push("NewCountry");
  if (impossibleTravel) threats.push("ImpossibleTravel");
  const level: RiskLevel =
    impossibleTravel || (newDevice && newCountry) ? "high" : newDevice || newCountry ? "medium" : "low";
  return {
    level,
    threats,
    newDevice,
    newCountry,
    impossibleTravel,
    firstLogin: false,
    ...(moved ? { speedKmh: moved.speedKmh } : {}),
  };
}

/** Puts `fresh` in place of its old entry, newest first, and keeps the MAX_REMEMBERED newest. */
function remember<T extends { lastSeen: number }>(list: readonly T[], same: (x: T) => boolean, fresh: T): T[] {
  const rest = list.filter((x) => !same(x)).map((x) => ({ ...x }));
  return [fresh, ...rest].sort((a, b) => b.lastSeen - a.lastSeen).slice(0, MAX_REMEMBERED);
}

/** The history after a successful login: new objects throughout, the input is left unchanged. */
export function rememberLogin(history: LoginHistory, signals: LoginSignals, now: number): LoginHistory {
  const device = id(signals.deviceId);
  const country = id(signals.country);
  const devices = device
    ? remember(history.devices, (d) => d.id === device, { id: device, lastSeen: now })
    : history.devices.map((d) => ({ ...d }));
  const countries = country
    ? remember(history.countries, (c) => c.code === country, { code: country, lastSeen: now })
    : history.countries.map((c) => ({ ...c }));
  const located = point(signals.latitude, signals.longitude) !== null || country !== null;
  const last =
    located || !history.last
      ? { at: now, country, latitude: signals.latitude, longitude: signals.longitude }
      : { ...history.last };
  return { devices, countries, last };
}

/** Whether a risk-based login policy asks for the second factor at this level (even on a trusted device). */
export function riskDemandsChallenge(policy: RiskLoginPolicy, level: RiskLevel): boolean {
  switch (policy) {
    case "ChallengeOnMediumRisk":
      return level === "medium" || level === "high";
    case "ChallengeOnHighRisk":
      return level === "high";
  }
}
