/**
 * OAuth client secrets: generated at application creation (256-bit base64url), shown once, stored as
 * a keyed hash only, never returned by GET; rotation returns a new one once; the token endpoint
 * accepts exactly the current one.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createTenant } from "../helpers.ts";

async function newApp(tenantId: string) {
  const r = await api("/api/application", {
    method: "POST",
    tenantId,
    body: { application: { name: "rp", oauthConfiguration: { authorizedRedirectURLs: ["https://rp.test/cb"] } } },
  });
  expect(r.status, r.text).toBe(200);
  return r.json.application;
}

/** A refresh_token grant with a bogus token: 401 invalid_client when the secret is wrong, else 400. */
async function tryToken(clientId: string, secret: string) {
  return api("/oauth2/token", {
    method: "POST",
    key: null,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: "x",
      client_id: clientId,
      client_secret: secret,
    }).toString(),
  });
}

describe("client secret", () => {
  it("is generated on create, shown once as oauthConfiguration.clientSecret, stored only as a hash", async () => {
    const t = await createTenant();
    const a = await newApp(t.id);
    expect(a.oauthConfiguration.clientId).toBe(a.id);
    expect(a.oauthConfiguration.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const row = await env.DB.prepare("SELECT settings, client_secret_hash FROM applications WHERE id = ?")
      .bind(a.id)
      .first<{ settings: string; client_secret_hash: string }>();
    expect(row!.client_secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(a.oauthConfiguration.clientSecret);

    const got = await api(`/api/application/${a.id}`, { tenantId: t.id });
    expect(got.json.application.oauthConfiguration.clientSecret).toBeUndefined();
    expect(got.text).not.toContain(a.oauthConfiguration.clientSecret);
    const list = await api("/api/application", { tenantId: t.id });
    expect(list.text).not.toContain(a.oauthConfiguration.clientSecret);
  });

  it("GET /api/application/{id}/oauth-configuration answers FusionAuth's shape without the secret", async () => {
    const t = await createTenant();
    const a = await newApp(t.id);
    const r = await api(`/api/application/${a.id}/oauth-configuration`, { tenantId: t.id });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      oauthConfiguration: { clientId: a.id, authorizedRedirectURLs: ["https://rp.test/cb"] },
      httpSessionMaxInactiveInterval: 3600,
      logoutURL: null,
    });
    expect(r.json.oauthConfiguration.clientSecret).toBeUndefined();
    // Another tenant's key cannot see it.
    const other = await createTenant();
    expect((await api(`/api/application/${a.id}/oauth-configuration`, { tenantId: other.id })).status).toBe(404);
  });

  it("authenticates with the current secret only; rotation returns a new secret once and retires the old", async () => {
    const t = await createTenant();
    const a = await newApp(t.id);
    const first = a.oauthConfiguration.clientSecret;
    expect((await tryToken(a.id, first)).json).toMatchObject({ error: "invalid_grant" });
    // Change the last character to one it is not (a secret ending in "A" made this wrong secret the real one, 1 run in 64).
    const wrong = await tryToken(a.id, `${first.slice(0, -1)}${first.endsWith("A") ? "B" : "A"}`);
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ error: "invalid_client", error_reason: "invalid_client_authentication" });

    const rot = await api(`/api/application/${a.id}/oauth-configuration/client-secret`, {
      method: "POST",
      tenantId: t.id,
    });
    expect(rot.status).toBe(200);
    const second = rot.json.oauthConfiguration.clientSecret;
    expect(second).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    expect((await tryToken(a.id, first)).status).toBe(401);
    expect((await tryToken(a.id, second)).json).toMatchObject({ error: "invalid_grant" });
    expect(
      (
        await api(`/api/application/${crypto.randomUUID()}/oauth-configuration/client-secret`, {
          method: "POST",
          tenantId: t.id,
        })
      ).status,
    ).toBe(404);
  });
});
