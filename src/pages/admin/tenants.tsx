/** The admin console's tenant pages: the tenant list, the tenant settings form (with each factor's toggle) and the applications. */
import { FACTORS } from "../../factors/registry.ts";
import { loginPolicySchema, trustPolicySchema, type TenantSettings } from "../../settings.ts";
import type { TenantRow } from "../../storage/d1/schema.ts";
import { Check, Post, Select, Text, TextArea } from "./components.tsx";

export function TenantList(p: { tenants: TenantRow[] }) {
  return (
    <ul>
      {p.tenants.map((t) => (
        <li>
          <a href={`/admin/tenants/${t.id}/settings`}>{t.name}</a>
        </li>
      ))}
    </ul>
  );
}

export function TenantForm(p: { tenant: TenantRow; settings: TenantSettings; csrf: string }) {
  const m = p.settings.multiFactorConfiguration;
  const f = p.settings.failedAuthenticationConfiguration;
  const a = p.settings.alertConfiguration;
  const x = p.settings.externalIdentifierConfiguration;
  return (
    <Post id="tenant-form" action={`/admin/tenants/${p.tenant.id}/settings`} csrf={p.csrf} label="Save">
      <Text name="name" label="Name" value={p.tenant.name} />
      <h2>Multi-factor</h2>
      <Select name="loginPolicy" label="Login policy" value={m.loginPolicy} options={loginPolicySchema.options} />
      {FACTORS.map((f) =>
        f.toggle ? <Check name={f.toggle.field} label={f.toggle.label} checked={f.enabled(p.settings)} /> : null,
      )}
      <Text
        name="allowedCallingCodes"
        label="Allowed SMS calling codes (comma-separated, empty = all)"
        value={(m.sms.allowedCallingCodes ?? []).join(", ")}
      />
      <h2>Lifetimes (seconds)</h2>
      <Text name="twoFactorIdTTL" label="Two-factor login" type="number" value={x.twoFactorIdTimeToLiveInSeconds} />
      <Text name="trustTTL" label="Trusted device" type="number" value={x.twoFactorTrustIdTimeToLiveInSeconds} />
      <h2>Lockout</h2>
      <Text name="tooManyAttempts" label="Failed attempts before lock" type="number" value={f.tooManyAttempts} />
      <Text name="resetCountInSeconds" label="Count window (seconds)" type="number" value={f.resetCountInSeconds} />
      <Text name="actionDuration" label="Lock duration" type="number" value={f.actionDuration} />
      <Select
        name="actionDurationUnit"
        label="Lock duration unit"
        value={f.actionDurationUnit}
        options={["SECONDS", "MINUTES", "HOURS", "DAYS"]}
      />
      <h2>Security alerts</h2>
      <Check name="alertsEnabled" label="Send security alerts" checked={a.enabled} />
      <Check name="alertsSms" label="Also by SMS" checked={a.sms} />
      <Text name="alertFailedAttempts" label="Failed attempts before an alert" type="number" value={a.failedAttempts} />
      <Text name="alertWindow" label="Alert window (seconds)" type="number" value={a.windowInSeconds} />
      <h2>Message templates</h2>
      <p>
        Placeholders: {"{{code}}"} (required), {"{{minutes}}"}, {"{{tenantName}}"}. The defaults are shown when none is
        set.
      </p>
      <Text name="emailSubject" label="Email subject" value={m.email.template.subject} />
      <TextArea name="emailText" label="Email text" value={m.email.template.text} rows={6} />
      <TextArea name="emailHtml" label="Email HTML (empty = text only)" value={m.email.template.html ?? ""} rows={6} />
      <TextArea name="smsText" label="SMS text" value={m.sms.template.text} rows={3} />
    </Post>
  );
}

export type AppView = {
  id: string;
  name: string;
  loginPolicy: string | null;
  trustPolicy: string;
  redirects: string[];
  jwt: { enabled: boolean; accessTokenKeyId: string | null; idTokenKeyId: string | null };
};

const KEY_FIELDS = [
  ["accessTokenKeyId", "Access-token key"],
  ["idTokenKeyId", "Id-token key"],
] as const;

/** A select of the tenant's keys ("" = the tenant's signing key); ids are per application. */
function KeyChoice(p: {
  field: string;
  appId: string;
  label: string;
  value: string | null;
  keys: Array<{ id: string; name: string }>;
}) {
  const id = `${p.field}-${p.appId}`;
  return (
    <>
      <label for={id}>{p.label}</label>
      <select id={id} name={p.field}>
        <option value="" selected={!p.value}>
          The tenant's signing key
        </option>
        {p.keys.map((k) => (
          <option value={k.id} selected={k.id === p.value}>
            {k.name}
          </option>
        ))}
      </select>
    </>
  );
}

export function ApplicationsPage(p: {
  tenantId: string;
  apps: AppView[];
  keys: Array<{ id: string; name: string }>;
  csrf: string;
}) {
  return (
    <>
      {p.apps.map((a) => (
        <section>
          <h2>{a.name}</h2>
          <p>
            Client id <code>{a.id}</code>
          </p>
          <Post action={`/admin/tenants/${p.tenantId}/applications/${a.id}`} csrf={p.csrf} label="Save">
            <Select
              name="loginPolicy"
              label="MFA login policy (override)"
              value={a.loginPolicy ?? "Tenant"}
              options={["Tenant", ...loginPolicySchema.options]}
            />
            <Select name="trustPolicy" label="Trust policy" value={a.trustPolicy} options={trustPolicySchema.options} />
            <label for={`redirects-${a.id}`}>Authorized redirect URLs (one a line)</label>
            <textarea id={`redirects-${a.id}`} name="redirects" rows={3}>
              {a.redirects.join("\n")}
            </textarea>
            <label class="inline" for={`jwtEnabled-${a.id}`}>
              <input id={`jwtEnabled-${a.id}`} name="jwtEnabled" type="checkbox" value="true" checked={a.jwt.enabled} />{" "}
              Sign this application's tokens with the keys below
            </label>
            {KEY_FIELDS.map(([field, label]) => (
              <KeyChoice field={field} appId={a.id} label={label} value={a.jwt[field]} keys={p.keys} />
            ))}
          </Post>
          <Post
            action={`/admin/tenants/${p.tenantId}/applications/${a.id}/client-secret`}
            csrf={p.csrf}
            label="Rotate client secret"
            secondary
          />
        </section>
      ))}
    </>
  );
}
