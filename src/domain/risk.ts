/**
 * Login risk (pure): a login's device and Cloudflare location judged against the user's remembered
 * successful logins. Product rules:
 * - First login (empty history): low, nothing flagged — there is no baseline yet.
 * - New device: a device id not among the remembered ones. A login without a device id is not
 *   judged on the device (servers that do not relay one would otherwise flag every login).
 * - New country: a country never seen in a successful login (no country → not judged).
 * - Impossible travel: more than 500 km (below that, geo-IP jitter) from the previous login at more
 *   than 1000 km/h (faster than an airliner); elapsed time counts as at least 60 s.
 * - Level: impossible travel → high; new device and new country together → high; one of them →
 *   medium; else low. The ASN is remembered for the record but not judged (mobile and corporate
 *   networks change it too often to mean anything alone).
 * `ChallengeOnMediumRisk` challenges at medium or high, `ChallengeOnHighRisk` only at high.
 */

export type LoginSignals = { deviceId: string | null; country: string | null; asn: number | null; latitude: number | null; longitude: number | null };

export type LoginHistory = {
  devices: Array<{ id: string; lastSeen: number }>;
  countries: Array<{ code: string; lastSeen: number }>;
  last: { at: number; country: string | null; latitude: number | null; longitude: number | null } | null;
};

export const EMPTY_HISTORY: LoginHistory = { devices: [], countries: [], last: null };

/** `UnrecognizedDevice` and `ImpossibleTravel` are FusionAuth AuthenticationThreats names. */
export type Threat = "UnrecognizedDevice" | "ImpossibleTravel" | "NewCountry";
export type RiskLevel = "low" | "medium" | "high";
export type RiskAssessment = { level: RiskLevel; threats: Threat[]; newDevice: boolean; newCountry: boolean; impossibleTravel: boolean; firstLogin: boolean; speedKmh?: number };
export type RiskLoginPolicy = "ChallengeOnMediumRisk" | "ChallengeOnHighRisk";

export const MAX_REMEMBERED = 20;
export const TRAVEL_MIN_KM = 500;
export const TRAVEL_MAX_KMH = 1000;
export const TRAVEL_MIN_SECONDS = 60;

const EARTH_RADIUS_KM = 6371.0088;

export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

function isFirstLogin(h: LoginHistory): boolean {
  return h.last === null && h.devices.length === 0 && h.countries.length === 0;
}

export function assessRisk(history: LoginHistory, signals: LoginSignals, now: number): RiskAssessment {
  if (isFirstLogin(history)) return { level: "low", threats: [], newDevice: false, newCountry: false, impossibleTravel: false, firstLogin: true };
  const newDevice = signals.deviceId !== null && !history.devices.some((d) => d.id === signals.deviceId);
  const newCountry = signals.country !== null && !history.countries.some((c) => c.code === signals.country);
  let impossibleTravel = false;
  let speedKmh: number | undefined;
  const last = history.last;
  if (last && last.latitude !== null && last.longitude !== null && signals.latitude !== null && signals.longitude !== null) {
    const km = haversineKm(last.latitude, last.longitude, signals.latitude, signals.longitude);
    const hours = Math.max(TRAVEL_MIN_SECONDS, now - last.at) / 3600;
    speedKmh = km / hours;
    impossibleTravel = km > TRAVEL_MIN_KM && speedKmh > TRAVEL_MAX_KMH;
  }
  const threats: Threat[] = [];
  if (newDevice) threats.push("UnrecognizedDevice");
  if (newCountry) threats.push("NewCountry");
  if (impossibleTravel) threats.push("ImpossibleTravel");
  const level: RiskLevel = impossibleTravel || (newDevice && newCountry) ? "high" : newDevice || newCountry ? "medium" : "low";
  return { level, threats, newDevice, newCountry, impossibleTravel, firstLogin: false, ...(speedKmh !== undefined ? { speedKmh } : {}) };
}

function remember<T extends { lastSeen: number }>(list: T[], match: (x: T) => boolean, fresh: T): T[] {
  const rest = list.filter((x) => !match(x));
  return [fresh, ...rest].sort((a, b) => b.lastSeen - a.lastSeen).slice(0, MAX_REMEMBERED);
}

/** The history after a successful login (new objects; the input is not changed). */
export function rememberLogin(history: LoginHistory, signals: LoginSignals, now: number): LoginHistory {
  const devices = signals.deviceId ? remember(history.devices, (d) => d.id === signals.deviceId, { id: signals.deviceId, lastSeen: now }) : [...history.devices];
  const countries = signals.country ? remember(history.countries, (c) => c.code === signals.country, { code: signals.country, lastSeen: now }) : [...history.countries];
  const hasPlace = signals.latitude !== null && signals.longitude !== null;
  const last = hasPlace || signals.country || !history.last ? { at: now, country: signals.country, latitude: signals.latitude, longitude: signals.longitude } : { ...history.last };
  return { devices, countries, last };
}

export function riskDemandsChallenge(policy: RiskLoginPolicy, level: RiskLevel): boolean {
  return policy === "ChallengeOnMediumRisk" ? level !== "low" : level === "high";
}
