/**
 * Two defects of the admin console found at review (issue 14, with #12's factor registry and stored
 * settings): the user page named a method by its wire name instead of the registry's label, and a
 * settings change audited every field the console form posts instead of the one the operator changed.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ensureAdminApplication } from "../../scripts/lib/admin-setup.mjs";
import { auditChanges } from "../../src/domain/audit-diff.ts";
import { api, csrfOf, signedInConsole } from "../support/admin-console.ts";
import { type Browser, ORIGIN, unescapeHtml, type Page } from "../support/hosted.ts";
import { call, enrolledUser, seedApplication, seedTenant } from "../support/mfa.ts";

beforeAll(async () => {
  await ensureAdminApplication(api, ORIGIN);
});

const text = (html: string) =>
  unescapeHtml(html.replace(/<[^>]+>/g, " "))
    .replace(/\s+/g, " ")
    .trim();

/**
 * What a browser posts for a form (HTML §4.10.21.4, constructing the entry list): every named
 * input with its value, checked checkboxes only, each select's selected option, each textarea's
 * text, then `fields` over them. The console's own pages only, so their markup is known.
 */
function browserPost(b: Browser, page: Page, action: string, fields: Record<string, string>) {
  const at = page.html.indexOf(`action="${action}"`);
  expect(at, action).toBeGreaterThan(0);
  const form = page.html.slice(page.html.lastIndexOf("<form", at), page.html.indexOf("</form>", at));
  return b.request("POST", action, { ...formEntries(form), ...fields });
}

function formEntries(form: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input ([^>]*)>/g)) {
    const attrs = m[1]!;
    const name = /name="([^"]*)"/.exec(attrs)?.[1];
    if (!name) continue;
    if (/type="checkbox"/.test(attrs) && !/\bchecked\b/.test(attrs)) continue;
    out[unescapeHtml(name)] = unescapeHtml(/value="([^"]*)"/.exec(attrs)?.[1] ?? "");
  }
  for (const m of form.matchAll(/<select [^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const options = [...m[2]!.matchAll(/<option value="([^"]*)"([^>]*)>/g)];
    const chosen = options.find((o) => /\bselected\b/.test(o[2]!)) ?? options[0];
    if (chosen) out[unescapeHtml(m[1]!)] = unescapeHtml(chosen[1]!);
  }
  for (const m of form.matchAll(/<textarea [^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g))
    out[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return out;
}

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

describe("settings audit: only the fields whose effective value changed", () => {
  it("a console policy change lists exactly that one setting", async () => {
    const T = await seedTenant();
    const { b } = await signedInConsole();
    const action = `/admin/tenants/${T.tenantId}/settings`;
    const page = await b.get(action);
    const saved = await browserPost(b, page, action, { loginPolicy: "Required" });
    expect(saved.status).toBe(200);
    expect(saved.html).toContain("Saved.");
    const entry = await lastAudit(T.key);
    expect(entry.data).toMatchObject({ action: "tenant.update", source: "console" });
    expect(auditChanges(entry.oldValue, entry.newValue).map((c) => c.path)).toEqual([
      "multiFactorConfiguration.loginPolicy",
    ]);
    const audit = await b.get(`/admin/tenants/${T.tenantId}/audit`);
    expect(text(audit.html)).toContain("1 changed field multiFactorConfiguration.loginPolicy");
  });

  it("a console application change lists exactly that one setting", async () => {
    const T = await seedTenant();
    const appId = await seedApplication(T.tenantId);
    const { b } = await signedInConsole();
    const page = await b.get(`/admin/tenants/${T.tenantId}/applications`);
    const action = `/admin/tenants/${T.tenantId}/applications/${appId}`;
    const saved = await browserPost(b, page, action, { trustPolicy: "None" });
    expect(saved.html).toContain("Saved app.");
    const entry = await lastAudit(T.key);
    expect(entry.data).toMatchObject({ action: "application.update", source: "console" });
    expect(auditChanges(entry.oldValue, entry.newValue).map((c) => c.path)).toEqual([
      "multiFactorConfiguration.trustPolicy",
    ]);
  });

  it("an API PATCH that changes nothing effective is audited with no changed field", async () => {
    const T = await seedTenant();
    const r = await call("PATCH", `/api/tenant/${T.tenantId}`, {
      key: T.key,
      // The defaults, now stored explicitly: the same settings by meaning.
      body: {
        tenant: {
          multiFactorConfiguration: { loginPolicy: "Enabled" },
          failedAuthenticationConfiguration: { tooManyAttempts: 5 },
        },
      },
    });
    expect(r.status).toBe(200);
    const entry = await lastAudit(T.key);
    expect(entry.data).toMatchObject({ action: "tenant.update", source: "api" });
    expect(auditChanges(entry.oldValue, entry.newValue)).toEqual([]);
  });
});

describe("settings audit: stored settings that no longer validate", () => {
  it("a tenant whose stored settings no longer complete can still be deleted, audited as stored", async () => {
    const stored = { multiFactorConfiguration: { loginPolicy: "NoSuchPolicy" } };
    const T = await seedTenant(stored);
    const del = await api("DELETE", `/api/tenant/${T.tenantId}`);
    expect(del.status).toBe(200);
    // Other files write audit rows concurrently (one shared D1): find this deletion's row by its target.
    const log = await api("GET", `/api/system/audit-log?numberOfResults=200`);
    const row = log.json.auditLogs.find(
      (e: { data?: { action?: string; targetId?: string } }) =>
        e.data?.action === "tenant.delete" && e.data?.targetId === T.tenantId,
    );
    expect(row).toMatchObject({
      data: { action: "tenant.delete", targetId: T.tenantId },
      oldValue: { id: T.tenantId, ...stored },
    });
  });
});
