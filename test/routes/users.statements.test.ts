/**
 * `GET /api/user/{id}` and `GET /api/user?email=…` (issue 15): after the API-key check (its own batch:
 * the key and the tenant), the user and their registrations come back from one SQL statement
 * (src/storage/d1/one-statement.ts), not the user and then, serially, the registrations.
 */
import { describe, expect, it } from "vitest";
import { recordingEnv } from "../support/loaded-user.ts";
import { call, createUser, registerUser, seedApplication, seedTenant } from "../support/mfa.ts";

/** The key check's batch (src/middleware/auth.ts: the API key and the tenant, two statements). */
const KEY_CHECK = 2;

describe("GET /api/user: the user and their registrations in one statement", () => {
  it("a user with two registrations: the key check and one statement; the registrations oldest first, ties by id", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await createUser(key);
    const apps = [await seedApplication(tenantId), await seedApplication(tenantId)];
    for (const a of apps) await registerUser(key, u.id, a);
    const rec = recordingEnv();
    const headers = { "x-fusionauth-tenantid": tenantId };
    for (const path of [`/api/user/${u.id}`, `/api/user?email=${encodeURIComponent(u.email.toUpperCase())}`]) {
      rec.prepared.length = 0;
      const r = await call("GET", path, { key, headers, via: rec.target });
      expect({ status: r.status, statements: rec.prepared.length }).toEqual({ status: 200, statements: KEY_CHECK + 1 });
      expect(r.body.user.id).toBe(u.id);
      const regs: Array<{ id: string; applicationId: string; insertInstant: number }> = r.body.user.registrations;
      expect(regs.map((x) => x.applicationId).sort()).toEqual([...apps].sort());
      // Oldest first, ties (same second) by id: the order of registrationsOf.
      const ordered = [...regs].sort((a, b) => a.insertInstant - b.insertInstant || (a.id < b.id ? -1 : 1));
      expect(regs).toEqual(ordered);
    }
  });

  it("an unknown user: 404 after the same one statement", async () => {
    const { key, tenantId } = await seedTenant();
    const rec = recordingEnv();
    const r = await call("GET", `/api/user/${crypto.randomUUID()}`, {
      key,
      headers: { "x-fusionauth-tenantid": tenantId },
      via: rec.target,
    });
    expect({ status: r.status, statements: rec.prepared.length }).toEqual({ status: 404, statements: KEY_CHECK + 1 });
  });
});
