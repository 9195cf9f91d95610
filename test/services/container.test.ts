/**
 * The composition root builds per-request services, but what holds no per-request state is built
 * once per isolate: drizzle's constructor walks the whole schema, and profiling showed it on every
 * request (issue 15).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { buildServices } from "../../src/services/container.ts";

function build(extra: Record<string, unknown> = {}) {
  const parsed = parseConfig({ ...(env as unknown as Record<string, unknown>), ...extra });
  if (!parsed.ok) throw new Error("config");
  return buildServices(env, parsed.config, () => {});
}

describe("composition root", () => {
  it("reuses one drizzle instance per D1 binding across requests", async () => {
    const a = build();
    const b = build();
    expect(b.db).toBe(a.db);
    // Still a working database handle.
    expect(await a.db.get<{ one: number }>("SELECT 1 AS one" as never)).toEqual({ one: 1 });
  });

  it("keeps the bench's counting wrapper apart from the plain handle", () => {
    const plain = build();
    const counted = build({ BENCH_INSTRUMENTATION: "1" });
    expect(counted.db).not.toBe(plain.db);
    expect(build({ BENCH_INSTRUMENTATION: "1" }).db).toBe(counted.db);
  });

  it("builds request services from other request-scoped parts each time", () => {
    const a = build();
    const b = build();
    expect(b).not.toBe(a);
    expect(b.guard).not.toBe(a.guard);
  });
});
