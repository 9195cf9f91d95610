/** Login risk (pure): every product rule in src/domain/risk.ts, its boundaries, and the bounded history. */
import { describe, expect, it } from "vitest";
import {
  assessRisk,
  EMPTY_HISTORY,
  haversineKm,
  MAX_REMEMBERED,
  rememberLogin,
  riskDemandsChallenge,
  TRAVEL_MAX_KMH,
  TRAVEL_MIN_KM,
  TRAVEL_MIN_SECONDS,
  type LoginHistory,
  type LoginSignals,
} from "../../src/domain/risk.ts";

const T0 = 1_800_000_000;
const BERLIN: LoginSignals = { deviceId: "d1", country: "DE", asn: 3320, latitude: 52.52, longitude: 13.405 };
const HAMBURG = { latitude: 53.5511, longitude: 9.9937 }; // ≈ 255 km from Berlin
const SYDNEY = { latitude: -33.8688, longitude: 151.2093 };

/** On the equator a longitude step of `km / KM_PER_DEGREE` degrees is exactly `km` km of arc. */
const KM_PER_DEGREE = haversineKm(0, 0, 0, 1);
const AT_ORIGIN: LoginSignals = { deviceId: "d1", country: "XX", asn: null, latitude: 0, longitude: 0 };
const east = (km: number): LoginSignals => ({ ...AT_ORIGIN, longitude: km / KM_PER_DEGREE });

/** A history holding one earlier login with these signals. */
function historyAfter(signals: LoginSignals, at = T0): LoginHistory {
  return rememberLogin(EMPTY_HISTORY, signals, at);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

describe("haversineKm", () => {
  const within1Percent = (km: number, expected: number) =>
    expect(Math.abs(km - expected) / expected).toBeLessThan(0.01);

  it("matches known great-circle distances within 1 %", () => {
    within1Percent(haversineKm(51.5074, -0.1278, 48.8566, 2.3522), 344); // London–Paris
    within1Percent(haversineKm(40.7128, -74.006, 51.5074, -0.1278), 5570); // New York–London
    within1Percent(haversineKm(52.52, 13.405, -33.8688, 151.2093), 16_090); // Berlin–Sydney
    within1Percent(haversineKm(0, 0, 0, 180), 20_015); // half the equator
  });

  it("is zero for one point and symmetric", () => {
    expect(haversineKm(10, 10, 10, 10)).toBe(0);
    expect(haversineKm(51.5, -0.12, 48.85, 2.35)).toBeCloseTo(haversineKm(48.85, 2.35, 51.5, -0.12), 9);
  });
});

describe("assessRisk: baseline", () => {
  it("first login (empty history) is low with nothing flagged, whatever the signals", () => {
    const r = assessRisk(EMPTY_HISTORY, { ...BERLIN, deviceId: null, ...SYDNEY }, T0);
    expect(r).toEqual({
      level: "low",
      threats: [],
      newDevice: false,
      newCountry: false,
      impossibleTravel: false,
      firstLogin: true,
    });
  });

  it("a history that holds only a previous login (no device, no country) is a baseline, not a first login", () => {
    const h = historyAfter({ deviceId: null, country: null, asn: null, latitude: null, longitude: null });
    expect(assessRisk(h, { ...BERLIN, deviceId: null }, T0 + 3600)).toMatchObject({
      firstLogin: false,
      newCountry: true,
      newDevice: false,
      level: "medium",
    });
  });

  it("same device, same country, nearby: low", () => {
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, ...HAMBURG }, T0 + 3600)).toMatchObject({
      level: "low",
      threats: [],
      firstLogin: false,
    });
  });

  it("the ASN is not judged: a different network alone stays low", () => {
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, asn: 64_512 }, T0 + 3600).level).toBe("low");
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, asn: null }, T0 + 3600).level).toBe("low");
  });
});

describe("assessRisk: devices", () => {
  it("a device id not in the history is new (medium, UnrecognizedDevice)", () => {
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, deviceId: "d2" }, T0 + 3600)).toMatchObject({
      level: "medium",
      threats: ["UnrecognizedDevice"],
      newDevice: true,
      newCountry: false,
    });
  });

  it("a remembered device id is not new", () => {
    const h = rememberLogin(historyAfter(BERLIN), { ...BERLIN, deviceId: "d2" }, T0 + 10);
    expect(assessRisk(h, BERLIN, T0 + 3600).newDevice).toBe(false);
    expect(assessRisk(h, { ...BERLIN, deviceId: "d2" }, T0 + 3600).newDevice).toBe(false);
  });

  it("no device id counts as new once the history holds devices (stripping the id does not dodge the check)", () => {
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, deviceId: null }, T0 + 3600)).toMatchObject({
      level: "medium",
      newDevice: true,
      threats: ["UnrecognizedDevice"],
    });
  });

  it("no device id is not judged while the history holds none (a server that never relays one)", () => {
    const h = historyAfter({ ...BERLIN, deviceId: null });
    expect(h.devices).toEqual([]);
    expect(assessRisk(h, { ...BERLIN, deviceId: null }, T0 + 3600)).toMatchObject({ level: "low", newDevice: false });
  });

  it("an empty device id is the same as none", () => {
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, deviceId: "" }, T0 + 3600).newDevice).toBe(true);
    expect(
      assessRisk(historyAfter({ ...BERLIN, deviceId: null }), { ...BERLIN, deviceId: "" }, T0 + 3600).newDevice,
    ).toBe(false);
    expect(historyAfter({ ...BERLIN, deviceId: "" }).devices).toEqual([]);
  });
});

describe("assessRisk: countries and levels", () => {
  it("a country not in the history is new (medium, NewCountry)", () => {
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, country: "AT" }, T0 + 3600)).toMatchObject({
      level: "medium",
      threats: ["NewCountry"],
      newCountry: true,
      newDevice: false,
    });
  });

  it("no country (or an empty one) is not judged", () => {
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, country: null }, T0 + 3600)).toMatchObject({
      level: "low",
      newCountry: false,
    });
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, country: "" }, T0 + 3600)).toMatchObject({
      level: "low",
      newCountry: false,
    });
  });

  it("new device and new country together: high, both threats", () => {
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, deviceId: "d2", country: "AT" }, T0 + 3600)).toMatchObject({
      level: "high",
      threats: ["UnrecognizedDevice", "NewCountry"],
    });
  });

  it("impossible travel alone (same device, same claimed country) is high", () => {
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, ...SYDNEY }, T0 + 600)).toMatchObject({
      level: "high",
      threats: ["ImpossibleTravel"],
      impossibleTravel: true,
      newDevice: false,
      newCountry: false,
    });
  });

  it("all three threats are listed together", () => {
    expect(
      assessRisk(historyAfter(BERLIN), { deviceId: "d9", country: "AU", asn: 1221, ...SYDNEY }, T0 + 600).threats,
    ).toEqual(["UnrecognizedDevice", "NewCountry", "ImpossibleTravel"]);
  });
});

describe("assessRisk: impossible travel boundaries", () => {
  it("the constants are the documented product values", () => {
    expect([TRAVEL_MIN_KM, TRAVEL_MAX_KMH, TRAVEL_MIN_SECONDS, MAX_REMEMBERED]).toEqual([500, 1000, 60, 20]);
  });

  it("distance must exceed 500 km, however fast (geo-IP jitter)", () => {
    const h = historyAfter(AT_ORIGIN);
    expect(assessRisk(h, east(499), T0 + 1)).toMatchObject({ impossibleTravel: false, level: "low" });
    expect(assessRisk(h, east(501), T0 + 1)).toMatchObject({ impossibleTravel: true, level: "high" });
  });

  it("speed must exceed 1000 km/h: 600 km takes 2160 s at exactly that speed", () => {
    const h = historyAfter(AT_ORIGIN);
    expect(assessRisk(h, east(600), T0 + 2159).impossibleTravel).toBe(true);
    expect(assessRisk(h, east(600), T0 + 2161).impossibleTravel).toBe(false);
    expect(assessRisk(h, east(600), T0 + 2160).speedKmh).toBeCloseTo(1000, 6);
    expect(assessRisk(h, east(16_000), T0 + 86_400).impossibleTravel).toBe(false); // ≈ 670 km/h: a long-haul flight
  });

  it("elapsed time counts as at least 60 s: same second and clock steps backwards give a finite speed", () => {
    const h = historyAfter(AT_ORIGIN);
    const at60 = assessRisk(h, east(1000), T0 + 60).speedKmh;
    expect(at60).toBeCloseTo(60_000, 6);
    expect(assessRisk(h, east(1000), T0).speedKmh).toBe(at60);
    expect(assessRisk(h, east(1000), T0 + 30).speedKmh).toBe(at60);
    expect(assessRisk(h, east(1000), T0 - 3600).speedKmh).toBe(at60);
    expect(assessRisk(h, east(1000), T0 + 61).speedKmh!).toBeLessThan(at60!);
    expect(assessRisk(h, east(10), T0)).toMatchObject({ impossibleTravel: false, speedKmh: expect.closeTo(600, 6) });
  });

  it("needs coordinates on both logins; speedKmh is reported only when it was measured", () => {
    const noPlace = { latitude: null, longitude: null };
    expect(assessRisk(historyAfter({ ...BERLIN, ...noPlace }), { ...BERLIN, ...SYDNEY }, T0 + 1)).not.toHaveProperty(
      "speedKmh",
    );
    expect(assessRisk(historyAfter(BERLIN), { ...BERLIN, ...noPlace }, T0 + 1)).not.toHaveProperty("speedKmh");
    expect(
      assessRisk(historyAfter(BERLIN), { ...BERLIN, latitude: -33.87, longitude: null }, T0 + 1).impossibleTravel,
    ).toBe(false);
    expect(
      assessRisk(historyAfter(BERLIN), { ...BERLIN, latitude: Number.NaN, longitude: 151.2 }, T0 + 1),
    ).toMatchObject({ impossibleTravel: false, level: "low" });
  });
});

describe("rememberLogin", () => {
  it("keeps the 20 most recently seen devices and countries (LRU by lastSeen)", () => {
    let h = EMPTY_HISTORY;
    for (let i = 0; i < 30; i++) h = rememberLogin(h, { ...BERLIN, deviceId: `d${i}`, country: `C${i}` }, T0 + i);
    expect(h.devices).toHaveLength(MAX_REMEMBERED);
    expect(h.countries).toHaveLength(MAX_REMEMBERED);
    expect(h.devices.map((d) => d.id)).toEqual(Array.from({ length: 20 }, (_, i) => `d${29 - i}`));
    expect(h.countries.at(-1)).toEqual({ code: "C10", lastSeen: T0 + 10 });
  });

  it("seeing an old entry again saves it from eviction", () => {
    let h = EMPTY_HISTORY;
    for (let i = 0; i < 20; i++) h = rememberLogin(h, { ...BERLIN, deviceId: `d${i}` }, T0 + i);
    h = rememberLogin(h, { ...BERLIN, deviceId: "d0" }, T0 + 100); // the oldest, refreshed
    h = rememberLogin(h, { ...BERLIN, deviceId: "new" }, T0 + 101);
    expect(h.devices.map((d) => d.id)).toContain("d0");
    expect(h.devices.map((d) => d.id)).not.toContain("d1");
  });

  it("a seen device or country moves to the front with its new lastSeen instead of being added twice", () => {
    let h = historyAfter(BERLIN);
    h = rememberLogin(h, { ...BERLIN, deviceId: "d2", country: "AT" }, T0 + 10);
    h = rememberLogin(h, BERLIN, T0 + 20);
    expect(h.devices).toEqual([
      { id: "d1", lastSeen: T0 + 20 },
      { id: "d2", lastSeen: T0 + 10 },
    ]);
    expect(h.countries).toEqual([
      { code: "DE", lastSeen: T0 + 20 },
      { code: "AT", lastSeen: T0 + 10 },
    ]);
  });

  it("moves `last` only when the login says where it came from", () => {
    const h = historyAfter(BERLIN);
    expect(h.last).toEqual({ at: T0, country: "DE", latitude: 52.52, longitude: 13.405 });
    const blind = rememberLogin(h, { ...BERLIN, country: null, latitude: null, longitude: null }, T0 + 50);
    expect(blind.last).toEqual(h.last);
    expect(rememberLogin(h, { ...BERLIN, latitude: null, longitude: null }, T0 + 60).last).toEqual({
      at: T0 + 60,
      country: "DE",
      latitude: null,
      longitude: null,
    });
    expect(historyAfter({ deviceId: null, country: null, asn: 1, latitude: null, longitude: null }).last).toEqual({
      at: T0,
      country: null,
      latitude: null,
      longitude: null,
    });
  });

  it("never changes its input and returns new objects", () => {
    const h = deepFreeze(rememberLogin(historyAfter(BERLIN), { ...BERLIN, deviceId: "d2", country: "AT" }, T0 + 10));
    const before = JSON.stringify(h);
    const next = rememberLogin(h, { ...BERLIN, deviceId: "d3" }, T0 + 20);
    const same = rememberLogin(
      h,
      { deviceId: null, country: null, asn: null, latitude: null, longitude: null },
      T0 + 30,
    );
    expect(JSON.stringify(h)).toBe(before);
    for (const r of [next, same]) {
      expect(r.devices).not.toBe(h.devices);
      expect(r.countries).not.toBe(h.countries);
      expect(r.last).not.toBe(h.last);
      for (const [i, d] of r.devices.entries()) expect(d).not.toBe(h.devices[i]);
    }
    expect(EMPTY_HISTORY).toEqual({ devices: [], countries: [], last: null });
    expect(Object.isFrozen(EMPTY_HISTORY.devices)).toBe(true);
  });

  it("assessRisk reads the history without changing it", () => {
    const h = deepFreeze(historyAfter(BERLIN));
    expect(() => assessRisk(h, { ...BERLIN, deviceId: "x", country: "AU", ...SYDNEY }, T0 + 1)).not.toThrow();
  });
});

describe("riskDemandsChallenge", () => {
  it.each([
    ["ChallengeOnMediumRisk", "low", false],
    ["ChallengeOnMediumRisk", "medium", true],
    ["ChallengeOnMediumRisk", "high", true],
    ["ChallengeOnHighRisk", "low", false],
    ["ChallengeOnHighRisk", "medium", false],
    ["ChallengeOnHighRisk", "high", true],
  ] as const)("%s at %s risk → %s", (policy, level, expected) => {
    expect(riskDemandsChallenge(policy, level)).toBe(expected);
  });
});
