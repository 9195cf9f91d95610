/**
 * The admin console (issue 14) through its pages: sign-in through the hosted login (no session →
 * the login page; a non-admin and an admin without a second factor are refused), tenant isolation
 * for a tenant admin (pages and the API), CSRF on every form, and the audit log of console and API
 * changes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_APPLICATION_ID as SCRIPT_APP_ID,
  SYSTEM_TENANT_ID as SCRIPT_TENANT_ID,
  ensureAdmin,
  ensureAdminApplication,
} from "../../scripts/lib/admin-setup.mjs";
import { admin, api, csrfOf, signIn } from "../support/admin-console.ts";
import { ADMIN_APPLICATION_ID, SYSTEM_TENANT_ID } from "../../src/services/admin/console.ts";
import { Browser, local, ORIGIN } from "../support/hosted.ts";
import { call, createUser, enrolledUser, loginFor242, seedTenant } from "../support/mfa.ts";

beforeAll(async () => {
  await ensureAdminApplication(api, ORIGIN);
  await ensureAdminApplication(api, ORIGIN); // idempotent
});

describe("admin sign-in", () => {
  it("uses the same fixed ids as the admin:create script", () => {
    expect([SCRIPT_TENANT_ID, SCRIPT_APP_ID]).toEqual([SYSTEM_TENANT_ID, ADMIN_APPLICATION_ID]);
  });

  it("sends a browser without a session to the hosted login (PKCE, the admin application)", async () => {
    const b = new Browser();
    const r = await b.get("/admin");
    expect(r.status).toBe(302);
    const q = new URL(r.location!, ORIGIN).searchParams;
    expect(local(r.location).startsWith("/oauth2/authorize?")).toBe(true);
    expect(q.get("client_id")).toBe(ADMIN_APPLICATION_ID);
    expect(q.get("code_challenge_method")).toBe("S256");
    const page = await b.get(r.location!);
    expect(page.html).toContain("<title>Login | FusionAuth</title>");
    // Every console path without a session: GET → the login, POST → 401.
    expect((await new Browser().get(`/admin/tenants/${crypto.randomUUID()}/users`)).status).toBe(302);
    expect((await new Browser().request("POST", "/admin/logout", {})).status).toBe(401);
  });

  it("signs a global admin in with a second factor; the session cookie is HttpOnly and the page has the hosted CSP", async () => {
    const a = await admin();
    const b = new Browser();
    const home = await signIn(b, a);
    expect(home.status).toBe(200);
    expect(home.html).toContain("Tenants");
    const again = await b.get("/admin");
    expect(again.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(again.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(again.setCookies.find((c) => c.startsWith("edgemfa.admin="))).toMatch(/HttpOnly/i);
  });

  it("refuses a system-tenant user registered without an admin role", async () => {
    const a = await admin({ roles: [] });
    const b = new Browser();
    const r = await signIn(b, a);
    expect(r.status).toBe(403);
    expect(r.html).toContain("Access denied");
    expect(b.jar.has("edgemfa.admin")).toBe(false);
  });

  it("refuses an admin whose login had no second factor (the token's amr lacks mfa)", async () => {
    const email = `nomfa-${crypto.randomUUID()}@example.com`;
    const { password } = await ensureAdmin(api, { email });
    const relax = (loginPolicy: string) =>
      api("PATCH", `/api/application/${ADMIN_APPLICATION_ID}`, {
        tenantId: SYSTEM_TENANT_ID,
        body: { application: { multiFactorConfiguration: { loginPolicy } } },
      });
    expect((await relax("Disabled")).status).toBe(200);
    try {
      const b = new Browser();
      const r = await signIn(b, { email, password: password! });
      expect(r.status).toBe(403);
      expect(b.jar.has("edgemfa.admin")).toBe(false);
    } finally {
      expect((await relax("Required")).status).toBe(200);
    }
  });
});

describe("console actions", () => {
  it("a tenant admin of A cannot reach tenant B through any page, form or the API", async () => {
    const A = await seedTenant();
    const B = await seedTenant();
    const userB = await createUser(B.key);
    const a = await admin({ tenantId: A.tenantId });
    const b = new Browser();
    const home = await signIn(b, a);
    expect(home.status).toBe(200);
    expect(home.html).toContain(A.tenantId);
    expect(home.html).not.toContain(B.tenantId);
    const csrf = csrfOf(home.html);
    for (const path of [
      "settings",
      "users",
      `users/${userB.id}`,
      "applications",
      "webhooks",
      "api-keys",
      "keys",
      "events",
      "audit",
    ]) {
      const r = await b.get(`/admin/tenants/${B.tenantId}/${path}`);
      expect(r.status, path).toBe(404);
    }
    for (const path of ["settings", `users/${userB.id}/unlock`, "api-keys", "keys", "webhooks"]) {
      const r = await b.request("POST", `/admin/tenants/${B.tenantId}/${path}`, { csrf_token: csrf, name: "x" });
      expect(r.status, path).toBe(404);
    }
    // The system tenant (the admins themselves) is not manageable either.
    expect((await b.get(`/admin/tenants/${SYSTEM_TENANT_ID}/users`)).status).toBe(404);
    // The console session is no API credential.
    const cookie = [...b.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const viaApi = await call("GET", `/api/tenant/${B.tenantId}`, { headers: { cookie } });
    expect(viaApi.status).toBe(401);
    // Nothing about B was written.
    const audit = await api("GET", `/api/system/audit-log?userId=${a.userId}`);
    expect(audit.json.total).toBe(0);
    // Its own tenant works.
    expect((await b.get(`/admin/tenants/${A.tenantId}/settings`)).status).toBe(200);
  });

  it("refuses every form without the session's CSRF token (403, nothing changed)", async () => {
    const T = await seedTenant();
    const a = await admin();
    const b = new Browser();
    await signIn(b, a);
    const path = `/admin/tenants/${T.tenantId}/settings`;
    const form = { name: "Hacked", loginPolicy: "Disabled" };
    expect((await b.request("POST", path, form)).status).toBe(403);
    // A token of another admin's session does not fit this session.
    const other = new Browser();
    const otherHome = await signIn(other, await admin());
    expect((await b.request("POST", path, { ...form, csrf_token: csrfOf(otherHome.html) })).status).toBe(403);
    const t = await call("GET", `/api/tenant/${T.tenantId}`, { key: T.key });
    expect(t.body.tenant.name).not.toBe("Hacked");
  });

  it("a console change and an API change both appear in the audit log with actor and before/after", async () => {
    const T = await seedTenant();
    const a = await admin();
    const b = new Browser();
    await signIn(b, a);
    const page = await b.get(`/admin/tenants/${T.tenantId}/settings`);
    const saved = await b.submit(page, "tenant-form", { loginPolicy: "Required" });
    expect(saved.status).toBe(200);
    expect(saved.html).toContain("Saved.");
    const api1 = await call("PATCH", `/api/tenant/${T.tenantId}`, {
      key: T.key,
      body: { tenant: { name: "Via API" } },
    });
    expect(api1.status).toBe(200);

    const log = await call("GET", "/api/system/audit-log?numberOfResults=5", { key: T.key });
    const [viaApi, viaConsole] = log.body.auditLogs;
    expect(viaConsole).toMatchObject({
      insertUser: `user:${a.userId}`,
      data: { action: "tenant.update", source: "console", actorEmail: a.email },
      oldValue: { id: T.tenantId },
      newValue: { id: T.tenantId, multiFactorConfiguration: { loginPolicy: "Required" } },
    });
    expect(viaConsole.oldValue.multiFactorConfiguration?.loginPolicy).not.toBe("Required");
    expect(viaApi).toMatchObject({
      insertUser: expect.stringMatching(/^apiKey:/),
      data: { action: "tenant.update", source: "api" },
      oldValue: { name: expect.stringContaining("tenant ") },
      newValue: { name: "Via API", multiFactorConfiguration: { loginPolicy: "Required" } },
    });
    // The console shows it too.
    const shown = await b.get(`/admin/tenants/${T.tenantId}/audit`);
    expect(shown.html).toContain("Updated tenant [Via API]");
  });

  it("removes a user's method and unlocks a locked account, audited", async () => {
    const T = await seedTenant();
    const u = await enrolledUser(T.key);
    // Lock the account: wrong second-factor codes until the tenant's lockout (5 by default).
    const twoFactorId = await loginFor242(T.key, u.email);
    for (let i = 0; i < 5; i++) await call("POST", "/api/two-factor/login", { body: { twoFactorId, code: "000000" } });
    expect((await call("GET", `/api/user/lock/${u.userId}`, { key: T.key })).body.locked).toBe(true);
    const a = await admin();
    const b = new Browser();
    await signIn(b, a);
    let page = await b.get(`/admin/tenants/${T.tenantId}/users?q=${encodeURIComponent(u.email.slice(0, 12))}`);
    expect(page.html).toContain(u.email);
    page = await b.get(`/admin/tenants/${T.tenantId}/users/${u.userId}`);
    expect(page.status).toBe(200);
    const csrf = csrfOf(page.html);
    const removed = await b.request(
      "POST",
      `/admin/tenants/${T.tenantId}/users/${u.userId}/methods/${u.methodId}/remove`,
      { csrf_token: csrf },
    );
    expect(removed.status).toBe(200);
    expect(removed.html).toContain("Method removed.");
    const user = await call("GET", `/api/user/${u.userId}`, { key: T.key });
    expect(user.body.user.twoFactor?.methods ?? []).toEqual([]);
    const unlock = await b.request("POST", `/admin/tenants/${T.tenantId}/users/${u.userId}/unlock`, {
      csrf_token: csrf,
    });
    expect(unlock.status).toBe(200);
    expect(unlock.html).toContain("Not locked.");
    const lock = await call("GET", `/api/user/lock/${u.userId}`, { key: T.key });
    expect(lock.body.locked).toBe(false);
    const log = await call("GET", `/api/system/audit-log?userId=${a.userId}`, { key: T.key });
    expect(log.body.auditLogs.map((e: any) => e.data.action)).toEqual(["user.unlock", "user.two-factor.remove"]);
    expect(log.body.auditLogs[1].oldValue.methods).toHaveLength(1);
  });
});
