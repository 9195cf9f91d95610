/**
 * `loadUser` (src/services/users.ts), which `/api/login`, `GET /api/user`, the pages and the challenge
 * paths share: one SQL statement for the user, methods, recovery-code count and passkeys (issue 15:
 * on D1 each statement is a round trip with a large fixed cost), with exactly the rows plain drizzle
 * selects give (booleans, JSON columns, nulls, oldest first).
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { loadUser } from "../../src/services/users.ts";
import { schema } from "../../src/storage/d1/schema.ts";
import { recordingD1, richUser, separateSelects } from "../support/loaded-user.ts";
import { createUser, seedTenant } from "../support/mfa.ts";

describe("loadUser", () => {
  it("prepares one D1 statement", async () => {
    const { tenantId, u } = await richUser();
    const { db, prepared } = recordingD1();
    const loaded = await loadUser(drizzle(db, { schema }), tenantId, { by: "id", id: u.userId });
    expect(loaded?.user.id).toBe(u.userId);
    expect(prepared.length).toBe(1);
  });

  it("gives the rows of the separate selects, by id, login id, email and username; another tenant's user is not found", async () => {
    const { tenantId, u } = await richUser();
    const db = drizzle(env.DB, { schema });
    for (const lookup of [
      { by: "id", id: u.userId } as const,
      { by: "loginId", loginId: u.email.toUpperCase() } as const,
    ]) {
      const reference = await separateSelects(db, tenantId, lookup);
      expect(reference?.methods.map((m) => m.id)).toEqual(["SMS1", "MAIL", u.methodId]);
      expect(reference?.passkeys.map((p) => p.backupEligible)).toEqual([true, false]);
      expect(await loadUser(db, tenantId, lookup)).toEqual(reference);
    }
    const reference = await separateSelects(db, tenantId, { by: "id", id: u.userId });
    expect(await loadUser(db, tenantId, { by: "email", email: u.email.toUpperCase() })).toEqual(reference);
    expect(await loadUser(db, (await seedTenant()).tenantId, { by: "id", id: u.userId })).toBeNull();
    expect(await loadUser(db, tenantId, { by: "id", id: crypto.randomUUID() })).toBeNull();
  });

  it("a user without methods, codes, passkeys or optional fields: empty lists, zero, nulls", async () => {
    const { key, tenantId } = await seedTenant();
    const created = await createUser(key, { username: `Name-${crypto.randomUUID()}` });
    const db = drizzle(env.DB, { schema });
    const reference = await separateSelects(db, tenantId, { by: "id", id: created.id });
    expect(reference).toMatchObject({ methods: [], passkeys: [], unusedRecoveryCodes: 0 });
    expect(reference?.user.data).toBeNull();
    expect(reference?.user.active).toBe(true);
    expect(await loadUser(db, tenantId, { by: "id", id: created.id })).toEqual(reference);
    const username = reference!.user.username!.toUpperCase();
    expect(await loadUser(db, tenantId, { by: "username", username })).toEqual(reference);
  });
});
