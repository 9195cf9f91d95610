/**
 * Device trust and risk-based challenges, for every policy value (issue 5).
 *
 * Threats: a stolen trust id replayed from elsewhere (risk policies must challenge it anyway), a
 * trust earned in one application used in another (`trustPolicy`), a trust that outlives a factor
 * change or a lock, and notice fatigue (a login that carries no device id is not "new").
 * Cloudflare's `request.cf` is injected per request; the device is the `edgemfa.device` cookie.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  call,
  clock,
  enrolledUser,
  nextStep,
  PASSWORD,
  registerUser,
  seedApplication,
  seedTenant,
  totp,
  type Enrolled,
} from "../support/mfa.ts";
import { alertsTo, eventsOf, flushEvents } from "../support/events.ts";

const BERLIN = { country: "DE", city: "Berlin", latitude: "52.5200", longitude: "13.4050", asn: 3320 };
const PARIS = { country: "FR", city: "Paris", latitude: "48.8566", longitude: "2.3522", asn: 3215 };
const HAMBURG = { country: "DE", city: "Hamburg", latitude: "53.5511", longitude: "9.9937", asn: 3320 };
const SYDNEY = { country: "AU", city: "Sydney", latitude: "-33.8688", longitude: "151.2093", asn: 1221 };
const DEVICE_A = "deviceAAAAAAAAAAAAAAAA";
const DEVICE_B = "deviceBBBBBBBBBBBBBBBB";

type Where = { cf: Record<string, unknown>; device: string | null };

function login(key: string, u: Enrolled, where: Where, extra: Record<string, unknown> = {}) {
  const headers: Record<string, string> = where.device ? { cookie: `edgemfa.device=${where.device}` } : {};
  return call("POST", "/api/login", {
    key,
    body: { loginId: u.email, password: PASSWORD, ...extra },
    cf: where.cf,
    headers,
  });
}

/** Logs in with the second factor from `where`, asking for a trust; answers the twoFactorTrustId. */
async function earnTrust(key: string, u: Enrolled, where: Where, applicationId?: string): Promise<string> {
  const r = await login(key, u, where, applicationId ? { applicationId } : {});
  expect(r.status).toBe(242);
  const done = await call("POST", "/api/two-factor/login", {
    body: { twoFactorId: r.body.twoFactorId, code: await totp(u.secretBase32), trustComputer: true },
    cf: where.cf,
  });
  expect(done.status).toBe(200);
  nextStep();
  return done.body.twoFactorTrustId;
}

async function setup(loginPolicy: string, trustPolicy = "Any") {
  const { key, tenantId } = await seedTenant({ multiFactorConfiguration: { loginPolicy } });
  const appId = await seedApplication(tenantId, { multiFactorConfiguration: { trustPolicy } });
  const u = await enrolledUser(key);
  await registerUser(key, u.userId, appId);
  return { key, tenantId, appId, u };
}

beforeEach(() => nextStep());

describe("trustPolicy (application): Any | This | None", () => {
  it("Any: a trust earned in another application (or none) covers the login", async () => {
    const { key, tenantId, appId, u } = await setup("Enabled", "Any");
    const trust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    expect(
      (await login(key, u, { cf: BERLIN, device: DEVICE_A }, { applicationId: appId, twoFactorTrustId: trust })).status,
    ).toBe(200);
    void tenantId;
  });

  it("This: only a trust earned in this application counts", async () => {
    const { key, appId, u } = await setup("Enabled", "This");
    const elsewhere = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    expect(
      (await login(key, u, { cf: BERLIN, device: DEVICE_A }, { applicationId: appId, twoFactorTrustId: elsewhere }))
        .status,
    ).toBe(242);
    const here = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A }, appId);
    expect(
      (await login(key, u, { cf: BERLIN, device: DEVICE_A }, { applicationId: appId, twoFactorTrustId: here })).status,
    ).toBe(200);
  });

  it("None: always challenged, even with a trust of this application", async () => {
    const { key, appId, u } = await setup("Enabled", "None");
    const here = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A }, appId);
    expect(
      (await login(key, u, { cf: BERLIN, device: DEVICE_A }, { applicationId: appId, twoFactorTrustId: here })).status,
    ).toBe(242);
  });
});

describe("loginPolicy and risk", () => {
  it("Enabled: a trusted device from a new country is let in (trust honoured) but the user gets a new-country notice", async () => {
    const { key, tenantId, u } = await setup("Enabled");
    const trust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    clock.now += 10 * 3600;
    expect((await login(key, u, { cf: PARIS, device: DEVICE_A }, { twoFactorTrustId: trust })).status).toBe(200);
    await flushEvents(tenantId, u.userId);
    const ev = await eventsOf(key, u.userId, "user.login.new-device");
    expect(ev).toHaveLength(1);
    expect(ev[0]!.threatsDetected).toEqual(["NewCountry"]);
    expect(ev[0]!.info.location).toMatchObject({ country: "FR", city: "Paris" });
    expect((await alertsTo(u.email)).filter((m) => /new country/i.test(m.subject ?? ""))).toHaveLength(1);
  });

  it("Required and Disabled ignore risk: Required challenges without trust, Disabled never", async () => {
    const req = await setup("Required");
    expect((await login(req.key, req.u, { cf: SYDNEY, device: DEVICE_B })).status).toBe(242);
    const off = await setup("Disabled");
    const r = await login(off.key, off.u, { cf: SYDNEY, device: DEVICE_B });
    expect(r.status).toBe(200);
    expect(r.headers.get("set-cookie")).toBeNull(); // the request carried a device cookie: none is re-issued
  });

  it("ChallengeOnHighRisk: known device and country → trusted; new country alone (medium) → trusted; new device + new country (high) → challenged and user.login.suspicious", async () => {
    const { key, tenantId, u } = await setup("ChallengeOnHighRisk");
    const trust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    expect((await login(key, u, { cf: HAMBURG, device: DEVICE_A }, { twoFactorTrustId: trust })).status).toBe(200);
    clock.now += 10 * 3600;
    expect((await login(key, u, { cf: PARIS, device: DEVICE_A }, { twoFactorTrustId: trust })).status).toBe(200);
    clock.now += 10 * 3600;
    const high = await login(
      key,
      u,
      { cf: { ...SYDNEY, latitude: "48.0", longitude: "2.0", country: "BE" }, device: DEVICE_B },
      { twoFactorTrustId: trust },
    );
    expect(high.status).toBe(242);
    await flushEvents(tenantId, u.userId);
    const sus = await eventsOf(key, u.userId, "user.login.suspicious");
    expect(sus).toHaveLength(1);
    expect(sus[0]!.threatsDetected.sort()).toEqual(["NewCountry", "UnrecognizedDevice"]);
    expect((await alertsTo(u.email)).filter((m) => /Suspicious sign-in/.test(m.subject ?? ""))).toHaveLength(1);
  });

  it("ChallengeOnMediumRisk: a new device alone challenges a trusted login; the known device does not", async () => {
    const { key, u } = await setup("ChallengeOnMediumRisk");
    const trust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    expect((await login(key, u, { cf: BERLIN, device: DEVICE_A }, { twoFactorTrustId: trust })).status).toBe(200);
    expect((await login(key, u, { cf: BERLIN, device: DEVICE_B }, { twoFactorTrustId: trust })).status).toBe(242);
  });

  it("impossible travel (Berlin, then Sydney 10 minutes later with the same device) is high risk under both risk policies", async () => {
    for (const policy of ["ChallengeOnHighRisk", "ChallengeOnMediumRisk"]) {
      const { key, tenantId, u } = await setup(policy);
      const trust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
      clock.now += 600;
      expect(
        (await login(key, u, { cf: { ...SYDNEY, country: "DE" }, device: DEVICE_A }, { twoFactorTrustId: trust }))
          .status,
      ).toBe(242);
      await flushEvents(tenantId, u.userId);
      expect((await eventsOf(key, u.userId, "user.login.suspicious"))[0]!.threatsDetected).toEqual([
        "ImpossibleTravel",
      ]);
    }
  });

  it("a risk policy never skips a challenge Enabled would ask: no trust, low risk → 242", async () => {
    const { key, u } = await setup("ChallengeOnHighRisk");
    await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    expect((await login(key, u, { cf: BERLIN, device: DEVICE_A })).status).toBe(242);
  });

  it("once the user's logins carried a device id, a login without one (a fresh browser) is a new device", async () => {
    const { key, tenantId, u } = await setup("ChallengeOnMediumRisk");
    const trust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    expect((await login(key, u, { cf: BERLIN, device: null }, { twoFactorTrustId: trust })).status).toBe(242);
    await flushEvents(tenantId, u.userId);
    expect((await eventsOf(key, u.userId, "user.login.suspicious"))[0]!.threatsDetected).toEqual([
      "UnrecognizedDevice",
    ]);
  });

  it("when no login ever carried a device id, the device is not judged (no notice for every server-side login)", async () => {
    const { key, tenantId, u } = await setup("ChallengeOnMediumRisk");
    const trust = await earnTrust(key, u, { cf: BERLIN, device: null });
    expect((await login(key, u, { cf: BERLIN, device: null }, { twoFactorTrustId: trust })).status).toBe(200);
    await flushEvents(tenantId, u.userId);
    expect(await eventsOf(key, u.userId, "user.login.new-device")).toHaveLength(0);
  });
});

describe("trusted devices: list, revoke, and revocation on factor changes and lock", () => {
  it("lists trusts without their ids, revokes one by reference, and a revoked trust no longer skips the challenge", async () => {
    const { key, u } = await setup("Enabled");
    const t1 = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    const t2 = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    const list = await call("GET", `/api/user/two-factor/trust/${u.userId}`, { key });
    expect(list.body.trusts).toHaveLength(2);
    expect(list.text).not.toContain(t1);
    expect(list.text).not.toContain(t2);
    expect(list.body.trusts[0]).toMatchObject({ location: { country: "DE", city: "Berlin" } });
    const del = await call("DELETE", `/api/user/two-factor/trust/${u.userId}?trustId=${list.body.trusts[0].id}`, {
      key,
    });
    expect(del.body).toEqual({ revoked: 1 });
    const statuses = [
      (await login(key, u, { cf: BERLIN, device: DEVICE_A }, { twoFactorTrustId: t1 })).status,
      (await login(key, u, { cf: BERLIN, device: DEVICE_A }, { twoFactorTrustId: t2 })).status,
    ].sort();
    expect(statuses).toEqual([200, 242]);
    expect(
      (await call("DELETE", `/api/user/two-factor/trust/${u.userId}?trustId=${"0".repeat(24)}`, { key })).status,
    ).toBe(404);
  });

  it("adding a method, removing a method and a lock each revoke every trust", async () => {
    const { key, u } = await setup("Enabled");
    const covered = async (trust: string) =>
      (await login(key, u, { cf: BERLIN, device: DEVICE_A }, { twoFactorTrustId: trust })).status === 200;

    let trust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    const s = await call("GET", "/api/two-factor/secret", { key });
    const add = await call("POST", `/api/user/two-factor/${u.userId}`, {
      key,
      body: { method: "authenticator", code: await totp(s.body.secretBase32Encoded), secret: s.body.secret },
    });
    expect(add.status).toBe(200);
    expect(await covered(trust)).toBe(false);

    nextStep();
    trust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    const methods = (await call("GET", `/api/user/${u.userId}`, { key })).body.user.twoFactor.methods;
    const other = methods.find((m: { id: string }) => m.id !== u.methodId);
    const rm = await call("DELETE", `/api/user/two-factor/${u.userId}`, {
      key,
      body: { methodId: other.id, code: await totp(s.body.secretBase32Encoded) },
    });
    expect(rm.status).toBe(200);
    expect(await covered(trust)).toBe(false);

    nextStep();
    trust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    for (let i = 0; i < 5; i++)
      await call("POST", "/api/login", { key, body: { loginId: u.email, password: "wrong password" } });
    await call("POST", `/api/user/unlock/${u.userId}`, { key });
    expect(await covered(trust)).toBe(false);
  });
});

describe("trust lifetime", () => {
  it("the application's twoFactorTrustIdTimeToLiveInSeconds overrides the tenant's; an expired trust no longer skips the challenge", async () => {
    const { key, tenantId } = await seedTenant({
      externalIdentifierConfiguration: { twoFactorTrustIdTimeToLiveInSeconds: 86_400 },
    });
    const appId = await seedApplication(tenantId, {
      externalIdentifierConfiguration: { twoFactorTrustIdTimeToLiveInSeconds: 3600 },
    });
    const u = await enrolledUser(key);
    await registerUser(key, u.userId, appId);
    const appTrust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A }, appId);
    const tenantTrust = await earnTrust(key, u, { cf: BERLIN, device: DEVICE_A });
    const list = (await call("GET", `/api/user/two-factor/trust/${u.userId}`, { key })).body.trusts as Array<{
      applicationId: string | null;
      startInstant: number;
      expiration: number;
    }>;
    expect(list.map((t) => (t.expiration - t.startInstant) / 1000).sort((a, b) => a - b)).toEqual([3600, 86_400]);
    clock.now += 3601;
    expect(
      (await login(key, u, { cf: BERLIN, device: DEVICE_A }, { applicationId: appId, twoFactorTrustId: appTrust }))
        .status,
    ).toBe(242);
    expect(
      (await login(key, u, { cf: BERLIN, device: DEVICE_A }, { applicationId: appId, twoFactorTrustId: tenantTrust }))
        .status,
    ).toBe(200);
    const app = await call("GET", `/api/application/${appId}`, { key });
    expect(app.body.application.externalIdentifierConfiguration).toEqual({ twoFactorTrustIdTimeToLiveInSeconds: 3600 });
  });
});
