/**
 * Security review (audit redaction after the issue 12 refactor): a webhook's extra request headers
 * are how an endpoint authenticates the sender (`Authorization: Bearer …`, `X-Api-Key: …`), so their
 * values are credentials. The audit log keeps every version of a webhook long after a credential is
 * rotated, and the console shows it: no header value may be stored there; header names stay, so a
 * change still shows which header changed.
 */
import { describe, expect, it } from "vitest";
import { redact } from "../../src/services/audit.ts";
import { api, createApiKey, createTenant } from "../helpers.ts";

describe("audit rows never hold a webhook header value", () => {
  it("create, update and delete of a webhook with credential headers store the names only", async () => {
    const t = await createTenant();
    const { key, id: keyId } = await createApiKey(t.id);
    const bearer = `Bearer hook-cred-${crypto.randomUUID()}`;
    const apiKey = `hook-key-${crypto.randomUUID()}`;
    const rotated = `Bearer hook-cred-${crypto.randomUUID()}`;
    const created = await api("/api/webhook", {
      method: "POST",
      key,
      body: {
        webhook: {
          url: "https://hooks.example.com/in",
          eventsEnabled: { "user.login.success": true },
          headers: { Authorization: bearer, "X-Api-Key": apiKey },
        },
      },
    });
    expect(created.status).toBe(200);
    const id = created.json.webhook.id;
    const patched = await api(`/api/webhook/${id}`, {
      method: "PATCH",
      key,
      body: { webhook: { headers: { Authorization: rotated } } },
    });
    expect(patched.status).toBe(200);
    expect((await api(`/api/webhook/${id}`, { method: "DELETE", key })).status).toBe(200);

    const log = await api(`/api/system/audit-log?userId=${keyId}&numberOfResults=10`, { key });
    expect(log.status).toBe(200);
    const rows = log.json.auditLogs as Array<{ data: { action: string }; oldValue: any; newValue: any }>;
    expect(rows.map((r) => r.data.action).sort()).toEqual(["webhook.create", "webhook.delete", "webhook.update"]);
    const text = JSON.stringify(rows);
    for (const secret of [bearer, apiKey, rotated]) expect(text).not.toContain(secret);
    const create = rows.find((r) => r.data.action === "webhook.create")!;
    expect(create.newValue.headers).toEqual({ Authorization: "[redacted]", "X-Api-Key": "[redacted]" });
  });

  it("redact hides HTTP credential fields by name too: Authorization, Cookie, any …ApiKey", () => {
    expect(
      redact({
        headers: { "X-Custom": "v" },
        authorization: "Basic dTpw",
        proxyAuthorization: "Basic dTpw",
        cookie: "sid=1",
        sendgridApiKey: "SG.x",
        x_api_key: "k",
        keyCount: 2,
      }),
    ).toEqual({
      headers: { "X-Custom": "[redacted]" },
      authorization: "[redacted]",
      proxyAuthorization: "[redacted]",
      cookie: "[redacted]",
      sendgridApiKey: "[redacted]",
      x_api_key: "[redacted]",
      keyCount: 2,
    });
  });
});
