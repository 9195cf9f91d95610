/**
 * Issue 15: the tenant's send cap is split over shard SendLimiter objects (`tenant:{id}:shard:{k}`)
 * so a tenant's sends do not all queue through one object. The cap must still hold under a burst
 * (NIST SP 800-63B §5.2.2 rate limiting): the shards' shares sum to exactly the cap, so parallel
 * sends never exceed it; and the sends must really spread over more than one object.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { WindowState } from "../../src/domain/send-window.ts";
import { createUser, loginFor242, seedTenant, call } from "../support/mfa.ts";
import { enableOob, oobTenant, outbox, uniqueEmail } from "../support/oob.ts";

/** What the SendLimiter object named `bucket` has counted in its current window (0 if it never counted). */
async function counted(bucket: string): Promise<number> {
  const stub = env.SEND_LIMITER.get(env.SEND_LIMITER.idFromName(bucket));
  return runInDurableObject(stub, (_i, state) => (state.storage.kv.get("w") as WindowState | undefined)?.current ?? 0);
}

async function burst(sendLimits: Record<string, number>, sends: number) {
  const { key, tenantId } = await seedTenant(oobTenant({ sendLimits: { resendCooldownSeconds: 0, ...sendLimits } }));
  const u = await createUser(key);
  const address = uniqueEmail();
  const { methodId } = await enableOob(key, u.id, "email", address); // the enable send takes one tenant send
  const ids: string[] = [];
  for (let i = 0; i < sends; i++) ids.push(await loginFor242(key, u.email));
  const results = await Promise.all(
    ids.map((id) => call("POST", `/api/two-factor/send/${id}`, { body: { methodId } })),
  );
  return { tenantId, address, results };
}

describe("tenant cap split over shard objects", () => {
  it("40 parallel sends under a cap of 16: never more than 16 in all, spread over both shards", async () => {
    const { tenantId, address, results } = await burst(
      { perTenantPerHour: 16, perDestinationPerHour: 100, perUserPerHour: 100 },
      40,
    );
    const ok = results.filter((r) => r.status === 200).length;
    expect(ok + 1).toBeLessThanOrEqual(16);
    // Cap 16 = 2 shards of 8; a send tries both before refusing, so no send is refused early either.
    expect(ok + 1).toBe(16);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.generalErrors[0].data.scope).toBe("tenant");
    expect(await outbox(address)).toHaveLength(16);
    const shards = [await counted(`tenant:${tenantId}:shard:0`), await counted(`tenant:${tenantId}:shard:1`)];
    expect(shards).toEqual([8, 8]);
    expect(await counted(`tenant:${tenantId}`)).toBe(0);
  });

  it("3 shards (cap 24), where a refusal may come early: never over the cap, none before two shards are empty", async () => {
    const { tenantId, address, results } = await burst(
      { perTenantPerHour: 24, perDestinationPerHour: 100, perUserPerHour: 100 },
      40,
    );
    const sent = results.filter((r) => r.status === 200).length + 1; // with the enable send
    expect(sent).toBeLessThanOrEqual(24);
    // A refusal means both shards it tried held their 8: at least 16 went out before any refusal.
    expect(sent).toBeGreaterThanOrEqual(16);
    expect(await outbox(address)).toHaveLength(sent);
    const shards = await Promise.all([0, 1, 2].map((k) => counted(`tenant:${tenantId}:shard:${k}`)));
    expect(shards.reduce((a, b) => a + b, 0)).toBe(sent);
    expect(Math.max(...shards)).toBeLessThanOrEqual(8);
  });

  it("a send another bucket refuses gives its tenant send back to the shard that took it", async () => {
    const { tenantId, results } = await burst(
      { perTenantPerHour: 16, perDestinationPerHour: 4, perUserPerHour: 100 },
      10,
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(3); // 4 minus the enable send
    const total = (await counted(`tenant:${tenantId}:shard:0`)) + (await counted(`tenant:${tenantId}:shard:1`));
    expect(total).toBe(4);
  });
});
