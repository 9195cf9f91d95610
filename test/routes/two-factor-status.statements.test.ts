/**
 * `POST /api/two-factor/status` (issue 15): after the API-key check (its own batch: the key and the
 * tenant), the user and the application come back from one SQL statement, not one each.
 */
import { describe, expect, it } from "vitest";
import { recordingEnv } from "../support/loaded-user.ts";
import { call, enrolledUser, seedApplication, seedTenant } from "../support/mfa.ts";

/** The key check's batch (src/middleware/auth.ts: the API key and the tenant, two statements). */
const KEY_CHECK = 2;

describe("POST /api/two-factor/status: user and application in one statement", () => {
  it("with an applicationId: the key check and one statement; an unknown application is still 400", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    const appId = await seedApplication(tenantId);
    const rec = recordingEnv();
    const headers = { "x-fusionauth-tenantid": tenantId };
    const r = await call("POST", "/api/two-factor/status", {
      key,
      headers,
      body: { userId: u.userId, applicationId: appId },
      via: rec.target,
    });
    expect({ status: r.status, statements: rec.prepared.length }).toEqual({ status: 242, statements: KEY_CHECK + 1 });
    const bad = await call("POST", "/api/two-factor/status", {
      key,
      headers,
      body: { userId: u.userId, applicationId: crypto.randomUUID() },
    });
    expect(bad.status).toBe(400);
  });
});
