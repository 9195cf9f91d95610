import { describe, expect, it } from "vitest";
import { assessRisk, EMPTY_HISTORY, haversineKm, MAX_REMEMBERED, rememberLogin, riskDemandsChallenge, type LoginHistory, type LoginSignals } from "../../src/domain/risk.ts";

const BERLIN: LoginSignals = { deviceId: "d1", country: "DE", asn: 3320, latitude: 52.52, longitude: 13.405 };
const T0 = 1_800_000_000;

function after(signals: LoginSignals, at = T0): LoginHistory {
  return rememberLogin(EMPTY_HISTORY, signals, at);
}

describe("haversineKm", () => {
  it("matches known great-circle distances within 1 %", () => {
    expect(haversineKm(51.5074, -0.1278, 48.8566, 2.3522)).toBeGreaterThan(340);
    expect(haversineKm(51.5074, -0.1278, 48.8566, 2.3522)).toBeLessThan(347);
    expect(Math.abs(haversineKm(40.7128, -74.006, 51.5074, -0.1278) - 5570) / 5570).toBeLessThan(0.01);
    expect(haversineKm(10, 10, 10, 10)).toBe(0);
  });
});

describe("assessRisk", () => {
  it("first login: low, nothing flagged", () => {
    expect(assessRisk(EMPTY_HISTORY, BERLIN, T0)).toMatchObject({ level: "low", threats: [], firstLogin: true });
  });

  it("same device, same country, nearby: low", () => {
    expect(assessRisk(after(BERLIN), { ...BERLIN, latitude: 53.55, longitude: 9.99 }, T0 + 3600)).toMatchObject({ level: "low", threats: [] });
  });

  it("new device alone or new country alone: medium; both: high", () => {
    const h = after(BERLIN);
    expect(assessRisk(h, { ...BERLIN, deviceId: "d2" }, T0 + 3600)).toMatchObject({ level: "medium", threats: ["UnrecognizedDevice"], newDevice: true });
    expect(assessRisk(h, { ...BERLIN, country: "AT" }, T0 + 3600)).toMatchObject({ level: "medium", threats: ["NewCountry"], newCountry: true });
    expect(assessRisk(h, { ...BERLIN, deviceId: "d2", country: "AT" }, T0 + 3600).level).toBe("high");
  });

  it("no device id or no country is not judged", () => {
    const h = after(BERLIN);
    expect(assessRisk(h, { ...BERLIN, deviceId: null, country: null }, T0 + 3600)).toMatchObject({ level: "low", newDevice: false, newCountry: false });
  });

  it("impossible travel needs both > 500 km and > 1000 km/h", () => {
    const h = after(BERLIN);
    const sydney = { ...BERLIN, latitude: -33.87, longitude: 151.21 };
    expect(assessRisk(h, sydney, T0 + 600)).toMatchObject({ level: "high", threats: ["ImpossibleTravel"], impossibleTravel: true });
    // 16 000 km in 24 h ≈ 670 km/h: possible.
    expect(assessRisk(h, sydney, T0 + 86_400).impossibleTravel).toBe(false);
    // 400 km in one second: geo-IP jitter range, not judged.
    const near = { ...BERLIN, latitude: 52.52, longitude: 13.405 + 400 / 67.8 };
    expect(haversineKm(52.52, 13.405, near.latitude, near.longitude)).toBeLessThan(500);
    expect(assessRisk(h, near, T0 + 1).impossibleTravel).toBe(false);
  });

  it("speed boundary: elapsed time counts as at least 60 s", () => {
    const h = after(BERLIN);
    const paris = { ...BERLIN, latitude: 48.8566, longitude: 2.3522 }; // ≈ 878 km
    const km = haversineKm(52.52, 13.405, 48.8566, 2.3522);
    const atLimit = Math.ceil((km / 1000) * 3600); // seconds at exactly 1000 km/h
    expect(assessRisk(h, paris, T0 + atLimit + 5).impossibleTravel).toBe(false);
    expect(assessRisk(h, paris, T0 + atLimit - 5).impossibleTravel).toBe(true);
    expect(assessRisk(h, paris, T0).speedKmh).toBeCloseTo(km * 60, 0);
  });
});

describe("rememberLogin", () => {
  it("keeps the 20 most recent devices and countries and does not mutate its input", () => {
    let h = EMPTY_HISTORY;
    for (let i = 0; i < 30; i++) h = rememberLogin(h, { ...BERLIN, deviceId: `d${i}`, country: `C${i}` }, T0 + i);
    expect(h.devices).toHaveLength(MAX_REMEMBERED);
    expect(h.countries).toHaveLength(MAX_REMEMBERED);
    expect(h.devices[0]!.id).toBe("d29");
    expect(h.devices.some((d) => d.id === "d9")).toBe(false);
    const before = JSON.stringify(h);
    rememberLogin(h, { ...BERLIN, deviceId: "d10" }, T0 + 100);
    expect(JSON.stringify(h)).toBe(before);
    expect(EMPTY_HISTORY).toEqual({ devices: [], countries: [], last: null });
  });

  it("a seen device moves to the front instead of being added twice", () => {
    let h = after(BERLIN);
    h = rememberLogin(h, { ...BERLIN, deviceId: "d2" }, T0 + 10);
    h = rememberLogin(h, BERLIN, T0 + 20);
    expect(h.devices.map((d) => d.id)).toEqual(["d1", "d2"]);
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
