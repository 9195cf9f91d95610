/**
 * Completed tenant settings are remembered per isolate by the stored settings they came from
 * (`completer` in src/settings.ts, keyed by the stored JSON text; issue 15): the same stored settings reuse one completed object,
 * and any change written to D1 applies on the very next request (no TTL).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { tenantContext } from "../../src/services/tenant-context.ts";
import type { TenantRow } from "../../src/storage/d1/schema.ts";
import { call, enrolledUser, seedTenant } from "../support/mfa.ts";

function row(id: string, settings: Record<string, unknown>): TenantRow {
  return { id, name: "t", settings, createdAt: 0, updatedAt: 0 };
}

describe("tenant settings memo", () => {
  it("the same stored settings give the same completed object; changed ones are completed afresh", () => {
    const id = crypto.randomUUID();
    const stored = { issuer: "one.example" };
    const a = tenantContext(row(id, stored)).settings;
    // A fresh copy of the same stored JSON (as each D1 read gives) reuses the completed object.
    expect(tenantContext(row(id, structuredClone(stored))).settings).toBe(a);
    const b = tenantContext(row(id, { issuer: "two.example" })).settings;
    expect(b.issuer).toBe("two.example");
    expect(tenantContext(row(id, stored)).settings.issuer).toBe("one.example");
    // Another tenant with the same stored settings has its own entry.
    expect(tenantContext(row(crypto.randomUUID(), stored)).settings.issuer).toBe("one.example");
  });

  it("a remembered object cannot be changed by one caller under another", () => {
    const settings = tenantContext(row(crypto.randomUUID(), {})).settings;
    expect(() => {
      (settings.multiFactorConfiguration.authenticator as { enabled: boolean }).enabled = false;
    }).toThrow(TypeError);
  });

  it("a method type disabled in D1 is no longer offered by the next start", async () => {
    const { key, tenantId } = await seedTenant();
    const u = await enrolledUser(key);
    const before = await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId } });
    expect(before.body.methods.map((m: { id: string }) => m.id)).toEqual([u.methodId]);
    await env.DB.prepare("UPDATE tenants SET settings = ? WHERE id = ?")
      .bind(JSON.stringify({ multiFactorConfiguration: { authenticator: { enabled: false } } }), tenantId)
      .run();
    const after = await call("POST", "/api/two-factor/start", { key, body: { userId: u.userId } });
    expect(after.status).toBe(200);
    expect(after.body.methods).toBeUndefined();
  });
});
