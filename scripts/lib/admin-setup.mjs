/**
 * The admin console's system tenant, admin application and admins, through the HTTP API with the
 * bootstrap key (used by `npm run dev` and `npm run admin:create`). Idempotent: what exists is kept
 * (the application's redirect URL list is extended), so a re-run never changes an admin's password.
 *
 * The ids are fixed (src/services/admin/console.ts has the same values; a test pins them equal):
 * the console finds its OAuth client and its admins by them.
 */
export const SYSTEM_TENANT_ID = "00000000-0000-4000-8000-0000000ad000";
export const ADMIN_APPLICATION_ID = "00000000-0000-4000-8000-0000000ad001";

/** @typedef {(method: string, path: string, opts?: { tenantId?: string, body?: unknown }) => Promise<{ status: number, json?: any, text: string }>} Api */

function ok(what, res) {
  if (res.status >= 200 && res.status < 300) return res.json;
  throw new Error(`${what} answered ${res.status}${res.text ? `: ${res.text.slice(0, 300)}` : ""}`);
}

/**
 * Creates (or extends) the system tenant and the admin application for a console at `baseUrl`.
 * @param {Api} api  calls with the bootstrap key
 * @param {string} baseUrl  the public origin of edge-mfa, e.g. https://mfa.example.com
 */
export async function ensureAdminApplication(api, baseUrl) {
  const origin = new URL(baseUrl).origin;
  const redirect = `${origin}/admin/callback`;
  const tenant = await api("GET", `/api/tenant/${SYSTEM_TENANT_ID}`);
  if (tenant.status === 404) {
    ok(
      "create the system tenant",
      await api("POST", `/api/tenant/${SYSTEM_TENANT_ID}`, {
        body: { tenant: { name: "edge-mfa system (admins)", issuer: origin } },
      }),
    );
  } else ok("read the system tenant", tenant);
  const opts = { tenantId: SYSTEM_TENANT_ID };
  const app = await api("GET", `/api/application/${ADMIN_APPLICATION_ID}`, opts);
  const settings = {
    name: "edge-mfa admin console",
    roles: [
      { name: "admin", description: "Global admin: every tenant" },
      { name: "tenant-admin", description: "Tenant admin: the tenant in registration data.tenantId" },
    ],
    // A second factor is always required for admins, and never skipped for a trusted device.
    multiFactorConfiguration: { loginPolicy: "Required", trustPolicy: "None" },
    oauthConfiguration: {
      authorizedRedirectURLs: [redirect],
      clientAuthenticationPolicy: "NotRequiredWhenUsingPKCE",
      proofKeyForCodeExchangePolicy: "Required",
      requireRegistration: true,
      enabledGrants: ["authorization_code"],
    },
  };
  if (app.status === 404) {
    ok(
      "create the admin application",
      await api("POST", `/api/application/${ADMIN_APPLICATION_ID}`, { ...opts, body: { application: settings } }),
    );
    return;
  }
  const cur = ok("read the admin application", app).application;
  const urls = cur.oauthConfiguration.authorizedRedirectURLs ?? [];
  const patch = {
    multiFactorConfiguration: settings.multiFactorConfiguration,
    oauthConfiguration: {
      ...settings.oauthConfiguration,
      authorizedRedirectURLs: urls.includes(redirect) ? [] : [redirect],
    },
  };
  // PATCH appends arrays: only a missing redirect URL is added.
  ok(
    "update the admin application",
    await api("PATCH", `/api/application/${ADMIN_APPLICATION_ID}`, { ...opts, body: { application: patch } }),
  );
}

/**
 * Creates an admin (a system-tenant user registered to the admin application) unless one with this
 * email exists. Returns the generated one-time password for a new user, or null for an existing one.
 * @param {Api} api
 * @param {{ email: string, tenantId?: string | null }} who  tenantId: a tenant admin of that tenant; absent: a global admin
 */
export async function ensureAdmin(api, { email, tenantId = null }) {
  const opts = { tenantId: SYSTEM_TENANT_ID };
  const found = await api("GET", `/api/user?email=${encodeURIComponent(email)}`, opts);
  let userId;
  let password = null;
  if (found.status === 200) userId = found.json.user.id;
  else {
    // 144 random bits; shown once to whoever runs the command. The first sign-in enrols a second factor.
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    password = btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_");
    const created = ok(
      "create the admin user",
      await api("POST", "/api/user", { ...opts, body: { user: { email, password } } }),
    );
    userId = created.user.id;
  }
  const registration = {
    applicationId: ADMIN_APPLICATION_ID,
    roles: [tenantId ? "tenant-admin" : "admin"],
    ...(tenantId ? { data: { tenantId } } : {}),
  };
  const reg = await api("GET", `/api/user/registration/${userId}/${ADMIN_APPLICATION_ID}`, opts);
  if (reg.status === 404)
    ok(
      "register the admin",
      await api("POST", `/api/user/registration/${userId}`, { ...opts, body: { registration } }),
    );
  else
    ok(
      "update the admin registration",
      await api("PUT", `/api/user/registration/${userId}`, { ...opts, body: { registration } }),
    );
  return { userId, password };
}
