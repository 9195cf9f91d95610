/**
 * Recovery codes belong to MFA as a whole: they go when the last method goes (the /account page says
 * so: "It is your last method: your recovery codes go with it"). A removal decides "last" from the
 * user it loaded at the start of the request, so two removals racing each other (or a regeneration
 * racing the last removal) must still not leave live codes behind a user with no method — a passkey
 * user would then still be challenged with them (OWASP ASVS 4.0.3 §11.1.6: no TOCTOU on sensitive
 * operations). The interleaving is replayed here in order, with the stale snapshot each request saw.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { newRecoveryCodeSet } from "../../src/services/recovery-codes.ts";
import { tenantContext } from "../../src/services/tenant-context.ts";
import { removeMethods } from "../../src/services/two-factor.ts";
import { loadUser } from "../../src/services/users.ts";
import { tenants } from "../../src/storage/d1/schema.ts";
import { call, enrolledUser, nextStep, seedTenant, totp } from "../support/mfa.ts";
import { testServices } from "../support/services.ts";

beforeEach(() => nextStep());

async function liveCodes(userId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL")
    .bind(userId)
    .first<{ n: number }>();
  return row?.n ?? -1;
}

/** A user with two authenticator methods (and the first method's 10 recovery codes). */
async function twoMethods() {
  const { tenantId, key } = await seedTenant();
  const u = await enrolledUser(key);
  const secret = await call("GET", "/api/two-factor/secret", { key });
  const r = await call("POST", `/api/user/two-factor/${u.userId}`, {
    key,
    body: {
      method: "authenticator",
      code: await totp(secret.body.secretBase32Encoded),
      secretBase32Encoded: secret.body.secretBase32Encoded,
    },
  });
  if (r.status !== 200) throw new Error(`enable: ${r.status} ${r.text}`);
  const s = testServices();
  const [tenant] = await s.db.select().from(tenants).where(eq(tenants.id, tenantId));
  const ctx = tenantContext(tenant!);
  const loaded = (await loadUser(s.db, tenantId, { by: "id", id: u.userId }))!;
  expect(loaded.methods).toHaveLength(2);
  expect(await liveCodes(u.userId)).toBe(10);
  return { s, ctx, loaded, userId: u.userId, tenantId };
}

describe("recovery codes go with the last method, whatever the interleaving", () => {
  it("two removals that each saw two methods: no live code is left", async () => {
    const { s, ctx, loaded, userId } = await twoMethods();
    const [a, b] = loaded.methods;
    // Both requests loaded the user before either removed anything.
    await removeMethods(s, ctx, loaded, [a!.id]);
    await removeMethods(s, ctx, loaded, [b!.id]);
    expect((await loadUser(s.db, ctx.tenant.id, { by: "id", id: userId }))!.methods).toHaveLength(0);
    expect(await liveCodes(userId)).toBe(0);
  });

  it("a regeneration that saw a method, committed after the last one went: no live code is left", async () => {
    const { s, ctx, loaded, userId, tenantId } = await twoMethods();
    // The regeneration checked "has a method" and built its set…
    const set = await newRecoveryCodeSet(s, tenantId, userId);
    // …while both methods were removed…
    await removeMethods(
      s,
      ctx,
      loaded,
      loaded.methods.map((m) => m.id),
    );
    expect(await liveCodes(userId)).toBe(0);
    // …and then its batch ran.
    await s.db.batch([...set.statements]);
    expect(await liveCodes(userId)).toBe(0);
  });
});
