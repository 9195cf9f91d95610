/**
 * Two defects of the admin console found at review (issue 14, with #12's factor registry and stored
 * settings): the user page named a method by its wire name instead of the registry's label, and a
 * settings change audited every field the console form posts instead of the one the operator changed.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ensureAdminApplication } from "../../scripts/lib/admin-setup.mjs";
import { api, csrfOf, signedInConsole } from "../support/admin-console.ts";
import { ORIGIN, unescapeHtml } from "../support/hosted.ts";
import { call, enrolledUser, seedTenant } from "../support/mfa.ts";

beforeAll(async () => {
  await ensureAdminApplication(api, ORIGIN);
});

const text = (html: string) =>
  unescapeHtml(html.replace(/<[^>]+>/g, " "))
    .replace(/\s+/g, " ")
    .trim();

const lastAudit = async (key: string) =>
  (await call("GET", "/api/system/audit-log?numberOfResults=1", { key })).body.auditLogs[0];

describe("admin user page", () => {
  it("names a method by the factor registry's label, not its wire name", async () => {
    const T = await seedTenant();
    const u = await enrolledUser(T.key);
    const { b } = await signedInConsole();
    const page = await b.get(`/admin/tenants/${T.tenantId}/users/${u.userId}`);
    expect(page.status).toBe(200);
    const methods = text(/<h2>Two-factor methods<\/h2>([\s\S]*?)<h2>/.exec(page.html)?.[1] ?? "");
    expect(methods).toContain("Authenticator app");
    // The wire name ("authenticator", lower case) is not what the page calls the method.
    expect(methods).not.toMatch(/\bauthenticator\b/);
    // Removing it: the audit entry a human reads names it the same way.
    const removed = await b.request(
      "POST",
      `/admin/tenants/${T.tenantId}/users/${u.userId}/methods/${u.methodId}/remove`,
      {
        csrf_token: csrfOf(page.html),
      },
    );
    expect(removed.html).toContain("Method removed.");
    const entry = await lastAudit(T.key);
    expect(entry.data.action).toBe("user.two-factor.remove");
    expect(entry.message).toContain("Authenticator app");
    expect(entry.message).not.toMatch(/\bauthenticator\b/);
  });
});
