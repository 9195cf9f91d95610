/**
 * The admin console at /admin (issue 14): server-rendered pages (hono/jsx, the hosted pages'
 * layout, CSP and security headers) over the same services the API uses, each action audited with
 * source "console". Sign-in, session and CSRF: src/routes/admin-auth.tsx.
 *
 * Tenant scoping: every tenant page resolves its tenant through `managedTenant`, which answers the
 * same 404 page for a tenant the admin may not manage as for a missing one; users, applications,
 * webhooks, keys and API keys are then loaded inside that tenant only.
 */
import { FACTORS } from "../factors/registry.ts";
import { Hono, type Context } from "hono";
import * as z from "zod";
import { ApiError } from "../errors.ts";
import { deepMerge } from "../http/merge.ts";
import { DEFAULT_EMAIL_TEMPLATE, DEFAULT_SMS_TEMPLATE } from "../domain/message-template.ts";
import { ShownOnce } from "../pages/admin/components.tsx";
import { ApplicationsPage, TenantForm, TenantList } from "../pages/admin/tenants.tsx";
import { MessagePage } from "../pages/misc.tsx";
import { mayManage } from "../services/admin/console.ts";
import { listSigningKeys } from "../services/admin/signing-keys.ts";
import {
  listApplications,
  listTenants,
  loadApplication,
  rotateApplicationSecret,
  updateApplication,
  updateTenant,
} from "../services/admin/tenants.ts";
import {
  applicationSettingsSchema,
  completeApplicationSettings,
  completeTenantSettings,
  tenantSettingsSchema,
} from "../settings.ts";
import type { TenantRow } from "../storage/d1/schema.ts";
import type { AppEnv } from "../env.ts";
import { callback, consoleChange, logout, requireAdmin, startLogin, type AdminEnv } from "./admin-auth.tsx";
import { renderPage } from "./hosted-http.tsx";
import { managedTenant, NotVisible, on, page, pathId, refusal, type Ctx } from "./admin-pages-shared.tsx";
import { integrationRoutes } from "./admin-integrations.tsx";
import { userRoutes } from "./admin-users.tsx";

export const adminRoutes = new Hono<AdminEnv>();

adminRoutes.get("/login", (c) => startLogin(c));
adminRoutes.get("/callback", (c) => callback(c));
adminRoutes.get("/signed-out", (c) =>
  renderPage(
    c as unknown as Context<AppEnv>,
    <MessagePage info="You are signed out." link={{ href: "/admin", text: "Sign in" }} />,
    {
      heading: "Signed out",
    },
  ),
);
adminRoutes.use("*", requireAdmin());
adminRoutes.post("/logout", (c) => logout(c));

adminRoutes.onError((err, c) => {
  if (err instanceof NotVisible || (err instanceof ApiError && err.kind === "not_found"))
    return page(c, "Not found", null, "", <p>There is nothing here, or it is not yours to manage.</p>, {}, 404);
  throw err;
});

/** The message of a refused change, for the page (the API's field errors, flattened). */
adminRoutes.get("/", async (c) => {
  const scope = c.var.admin.scope;
  const all = await listTenants(c.var.services);
  const tenants = all.filter((t) => mayManage(scope, t.id));
  return page(c, scope.kind === "global" ? "Tenants" : "Your tenant", null, "", <TenantList tenants={tenants} />);
});

adminRoutes.get("/tenants/:tenantId", async (c) =>
  c.redirect(`/admin/tenants/${(await managedTenant(c)).id}/settings`, 302),
);

// ---- Tenant settings ------------------------------------------------------------------------------

const num = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : Number(v));

async function tenantSettings(c: Ctx, t: TenantRow, notice: { error?: string | null; info?: string | null } = {}) {
  return page(
    c,
    `Tenant ${t.name}`,
    t,
    "settings",
    <TenantForm tenant={t} settings={completeTenantSettings(t.settings)} csrf={c.var.csrf} />,
    notice,
    notice.error ? 400 : 200,
  );
}

/** Browsers post textarea line breaks as CRLF (HTML §4.10.11); templates store LF. */
const lf = (v: string) => v.replace(/\r\n?/g, "\n");

/**
 * The posted templates (left alone when the form has no template fields). A template equal to the
 * default is stored as none (null deletes it in the merge), so later default changes reach it.
 */
function postedEmailTemplate(p: Record<string, string | undefined>) {
  if (p.emailSubject === undefined || p.emailText === undefined) return {};
  const html = lf(p.emailHtml ?? "").trim() ? lf(p.emailHtml ?? "") : null;
  const tpl = { subject: p.emailSubject, text: lf(p.emailText), html };
  const d = DEFAULT_EMAIL_TEMPLATE;
  const same = tpl.subject === d.subject && tpl.text === d.text && tpl.html === (d.html ?? null);
  return { template: same ? null : tpl };
}

function postedSmsTemplate(p: Record<string, string | undefined>) {
  if (p.smsText === undefined) return {};
  const text = lf(p.smsText);
  return { template: text === DEFAULT_SMS_TEMPLATE.text ? null : { text } };
}

adminRoutes.get("/tenants/:tenantId/settings", async (c) => tenantSettings(c, await managedTenant(c)));

adminRoutes.post("/tenants/:tenantId/settings", async (c) => {
  const t = await managedTenant(c);
  const p = c.var.params;
  const codes = (p.allowedCallingCodes ?? "").split(/[\s,]+/).filter(Boolean);
  const patch = {
    name: p.name,
    multiFactorConfiguration: {
      loginPolicy: p.loginPolicy,
      email: { ...postedEmailTemplate(p) },
      sms: { allowedCallingCodes: codes.length ? codes : null, ...postedSmsTemplate(p) },
    },
    externalIdentifierConfiguration: {
      twoFactorIdTimeToLiveInSeconds: num(p.twoFactorIdTTL),
      twoFactorTrustIdTimeToLiveInSeconds: num(p.trustTTL),
    },
    failedAuthenticationConfiguration: {
      tooManyAttempts: num(p.tooManyAttempts),
      resetCountInSeconds: num(p.resetCountInSeconds),
      actionDuration: num(p.actionDuration),
      actionDurationUnit: p.actionDurationUnit,
    },
    alertConfiguration: {
      enabled: on(p.alertsEnabled),
      sms: on(p.alertsSms),
      failedAttempts: num(p.alertFailedAttempts),
      windowInSeconds: num(p.alertWindow),
    },
  };
  // Each factor's toggle (src/factors/registry.ts) adds its own `enabled` switch to the patch.
  const toggled = FACTORS.reduce<unknown>(
    (out, f) => (f.toggle ? deepMerge(out, f.toggle.patch(on(p[f.toggle.field]))) : out),
    patch,
  );
  const merged = deepMerge({ name: t.name, ...t.settings }, JSON.parse(JSON.stringify(toggled)));
  const parsed = tenantSettingsSchema.extend({ name: z.string().trim().min(1).max(191) }).safeParse(merged);
  if (!parsed.success)
    return tenantSettings(c, t, {
      error: `Not saved. ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    });
  const { name, ...settings } = parsed.data;
  const row = await updateTenant(c.var.services, consoleChange(c), t, { name, settings });
  return tenantSettings(c, row, { info: "Saved." });
});

// ---- Applications ---------------------------------------------------------------------------------

async function applicationsPage(
  c: Ctx,
  t: TenantRow,
  notice: { error?: string | null; info?: string | null } = {},
  shown?: string,
) {
  const apps = (await listApplications(c.var.services, t.id)).map((a) => {
    const st = completeApplicationSettings(a.settings);
    return {
      id: a.id,
      name: a.name,
      loginPolicy: st.multiFactorConfiguration.loginPolicy,
      trustPolicy: st.multiFactorConfiguration.trustPolicy,
      redirects: st.oauthConfiguration.authorizedRedirectURLs,
      jwt: st.jwtConfiguration,
    };
  });
  const keys = (await listSigningKeys(c.var.services, t.id)).map((k) => ({ id: k.id, name: k.name }));
  return page(
    c,
    "Applications",
    t,
    "applications",
    <>
      {shown ? <ShownOnce label="New client secret" value={shown} /> : null}
      <ApplicationsPage tenantId={t.id} apps={apps} keys={keys} csrf={c.var.csrf} />
    </>,
    notice,
  );
}

adminRoutes.get("/tenants/:tenantId/applications", async (c) => applicationsPage(c, await managedTenant(c)));

adminRoutes.post("/tenants/:tenantId/applications/:applicationId", async (c) => {
  const t = await managedTenant(c);
  const cur = await loadApplication(c.var.services, t.id, pathId(c, "applicationId"));
  if (!cur) throw new NotVisible();
  const p = c.var.params;
  const redirects = (p.redirects ?? "")
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  const merged = {
    name: cur.name,
    ...cur.settings,
    multiFactorConfiguration: {
      ...((cur.settings.multiFactorConfiguration as object) ?? {}),
      loginPolicy: p.loginPolicy === "Tenant" ? null : p.loginPolicy,
      trustPolicy: p.trustPolicy,
    },
    oauthConfiguration: { ...((cur.settings.oauthConfiguration as object) ?? {}), authorizedRedirectURLs: redirects },
    // The key ids are checked by updateApplication (the tenant's own keys only), as for the API.
    ...(p.accessTokenKeyId === undefined && p.idTokenKeyId === undefined
      ? {}
      : {
          jwtConfiguration: {
            ...((cur.settings.jwtConfiguration as object) ?? {}),
            enabled: on(p.jwtEnabled),
            accessTokenKeyId: p.accessTokenKeyId || null,
            idTokenKeyId: p.idTokenKeyId || null,
          },
        }),
  };
  const parsed = applicationSettingsSchema.extend({ name: z.string() }).safeParse(merged);
  if (!parsed.success)
    return applicationsPage(c, t, {
      error: `Not saved. ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    });
  const { name, ...settings } = parsed.data;
  try {
    await updateApplication(c.var.services, consoleChange(c), cur, { name, settings });
  } catch (err) {
    return applicationsPage(c, t, { error: refusal(err) });
  }
  return applicationsPage(c, t, { info: `Saved ${name}.` });
});

adminRoutes.post("/tenants/:tenantId/applications/:applicationId/client-secret", async (c) => {
  const t = await managedTenant(c);
  const secret = await rotateApplicationSecret(c.var.services, consoleChange(c), t.id, pathId(c, "applicationId"));
  if (!secret) throw new NotVisible();
  return applicationsPage(c, t, {}, secret);
});

// The user, events and audit pages: src/routes/admin-users.tsx.
adminRoutes.route("/", userRoutes);

// The integration pages (webhooks, API keys, signing keys): src/routes/admin-integrations.tsx.
adminRoutes.route("/", integrationRoutes);
