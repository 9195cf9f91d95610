/**
 * Settings are stored as the request gave them and completed on read (src/settings/stored-form.ts).
 * A stored default would change what a later PATCH does: FusionAuth's PATCH appends arrays, so a
 * stored default `enabledGrants` would be appended to, and a stored `clientAuthenticationPolicy`
 * would hide the deprecated `requireClientAuthentication` sent later.
 */
import { describe, expect, it } from "vitest";
import { api, createTenant } from "../helpers.ts";

describe("stored application settings", () => {
  it("a PATCH after a create without grants sets the grants it names, and the legacy flag still counts", async () => {
    const t = await createTenant();
    const created = await api("/api/application", {
      method: "POST",
      tenantId: t.id,
      body: { application: { name: "Grants" } },
    });
    expect(created.json.application.oauthConfiguration.enabledGrants).toEqual(["authorization_code", "refresh_token"]);
    const id = created.json.application.id;
    const patch = await api(`/api/application/${id}`, {
      method: "PATCH",
      tenantId: t.id,
      body: { application: { oauthConfiguration: { enabledGrants: ["authorization_code"] } } },
    });
    expect(patch.status).toBe(200);
    expect(patch.json.application.oauthConfiguration.enabledGrants).toEqual(["authorization_code"]);
    const legacy = await api(`/api/application/${id}`, {
      method: "PATCH",
      tenantId: t.id,
      body: { application: { oauthConfiguration: { requireClientAuthentication: false } } },
    });
    expect(legacy.json.application.oauthConfiguration.clientAuthenticationPolicy).toBe("NotRequired");
    expect(legacy.json.application.oauthConfiguration).not.toHaveProperty("requireClientAuthentication");
  });
});
