/**
 * Settings completion is pinned to what it returned before the defaults moved into the schemas
 * (test/fixtures/settings/completion.json, recorded from the hand-written completion it replaced):
 * for every case, completing the stored JSON directly, and completing what a PUT would store, must
 * give exactly the recorded settings; invalid settings must still be refused by both.
 */
import { describe, expect, it } from "vitest";
import recorded from "../fixtures/settings/completion.json";
import {
  applicationSettingsSchema,
  completeApplicationSettings,
  completeTenantSettings,
  tenantSettingsSchema,
} from "../../src/settings.ts";

type Case = { input: unknown; completedRaw: unknown; completed: unknown };
const input = (c: Case) => (c.input === "__undefined__" ? undefined : c.input);

const kinds = [
  ["tenant", recorded.tenant, completeTenantSettings, tenantSettingsSchema],
  ["application", recorded.application, completeApplicationSettings, applicationSettingsSchema],
] as const;

describe.each(kinds)("%s settings completion", (_kind, cases, complete, requestSchema) => {
  it.each(Object.entries(cases as Record<string, Case>))("%s", (_name, c) => {
    if (c.completedRaw === "throws") expect(() => complete(input(c))).toThrow();
    else expect(complete(input(c))).toStrictEqual(c.completedRaw);
    const stored = requestSchema.safeParse(input(c) ?? {});
    if (c.completed === "invalid") expect(stored.success).toBe(false);
    else expect(complete(stored.data)).toStrictEqual(c.completed);
  });
});

describe("what a create or update stores", () => {
  it("is the request as given: no default is stored, so a later default change reaches the row", () => {
    expect(tenantSettingsSchema.parse({})).toEqual({});
    expect(tenantSettingsSchema.parse({ multiFactorConfiguration: { email: {} } })).toEqual({
      multiFactorConfiguration: { email: {} },
    });
    expect(applicationSettingsSchema.parse({ oauthConfiguration: {} })).toEqual({ oauthConfiguration: {} });
  });

  it("keeps null where the request sent it (null = the default)", () => {
    const stored = tenantSettingsSchema.parse({ multiFactorConfiguration: { sms: { template: null } } });
    expect(stored).toEqual({ multiFactorConfiguration: { sms: { template: null } } });
    expect(completeTenantSettings(stored).multiFactorConfiguration.sms.template.text).toContain("{{code}}");
  });

  it("still refuses what the complete schema refuses", () => {
    expect(tenantSettingsSchema.safeParse({ loginTheme: { primaryColor: "red" } }).success).toBe(false);
    expect(tenantSettingsSchema.safeParse({ webAuthnConfiguration: { enabled: true } }).success).toBe(false);
    expect(applicationSettingsSchema.safeParse({ roles: [{ name: "" }] }).success).toBe(false);
  });
});

describe("completion cache", () => {
  it("returns the same frozen settings for the same stored JSON, and fresh ones for other JSON", () => {
    const a = completeTenantSettings({ issuer: "cache-a" });
    expect(completeTenantSettings({ issuer: "cache-a" })).toBe(a);
    expect(Object.isFrozen(a.multiFactorConfiguration.sendLimits)).toBe(true);
    expect(completeTenantSettings({ issuer: "cache-b" }).issuer).toBe("cache-b");
  });

  it("does not keep settings that fail to parse: they throw every time", () => {
    const bad = { multiFactorConfiguration: { loginPolicy: "Sometimes" } };
    expect(() => completeTenantSettings(bad)).toThrow();
    expect(() => completeTenantSettings(bad)).toThrow();
  });
});
