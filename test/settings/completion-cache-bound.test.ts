/**
 * Security review (issue 12/15 caches): the per-isolate cache of completed settings (`completer` in
 * src/settings.ts) is shared by every tenant of the isolate, and a tenant-scoped API key decides what
 * goes in it: each distinct stored settings JSON it writes (up to the 64 KiB body limit) becomes an
 * entry once read. A count bound alone lets one key pin 256 tenant + 512 application entries of
 * ~64 KiB text each, plus their completed copies, in a 128 MB isolate; the cache must bound the
 * stored text it holds too.
 */
import { describe, expect, it } from "vitest";
import { completeApplicationSettings, completeTenantSettings } from "../../src/settings.ts";

/** Distinct application settings of about 60 KB of stored JSON each (60 roles × 1 KB description). */
function bigApplication(i: number): Record<string, unknown> {
  return {
    roles: Array.from({ length: 60 }, (_, j) => ({ name: `role-${i}-${j}`, description: "d".repeat(1000) })),
  };
}

/** Distinct tenant settings of about 60 KB of stored JSON each (a large HTML email template). */
function bigTenant(i: number): Record<string, unknown> {
  return {
    issuer: `issuer-${i}.example`,
    multiFactorConfiguration: {
      email: { template: { subject: "Code", text: "{{code}}", html: `<p>{{code}}</p>${"h".repeat(60_000)}` } },
    },
  };
}

describe("completed settings cache: bounded by size, not only by count", () => {
  it.each([
    { kind: "application", complete: completeApplicationSettings, big: bigApplication },
    { kind: "tenant", complete: completeTenantSettings, big: bigTenant },
  ] as Array<{ kind: string; complete: (raw: unknown) => unknown; big: (i: number) => Record<string, unknown> }>)(
    "many large distinct $kind settings push the oldest out long before the count bound",
    ({ complete, big }) => {
      const first = big(0);
      const kept = complete(first);
      expect(complete(structuredClone(first))).toBe(kept);
      // ~6 MB of stored text in 100 entries: below either count bound, far above a sane byte budget.
      for (let i = 1; i < 100; i++) complete(big(i));
      expect(complete(structuredClone(first))).not.toBe(kept);
    },
  );

  it("small settings are still kept and reused (the cache still does its job)", () => {
    const stored = { issuer: `small-${crypto.randomUUID()}.example` };
    const a = completeTenantSettings(stored);
    for (let i = 0; i < 50; i++) completeTenantSettings({ issuer: `other-${i}-${crypto.randomUUID()}.example` });
    expect(completeTenantSettings(structuredClone(stored))).toBe(a);
  });
});
