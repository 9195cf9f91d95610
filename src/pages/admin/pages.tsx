/**
 * The admin console's page bodies (inside the hosted pages' layout). Data comes from the route;
 * every form posts with the session's CSRF token; secrets are shown once by `ShownOnce`.
 */
import { FACTORS } from "../../factors/registry.ts";
import { auditChanges } from "../../domain/audit-diff.ts";
import { EVENT_TYPES } from "../../domain/events.ts";
import { loginPolicySchema, trustPolicySchema, type TenantSettings } from "../../settings.ts";
import type { AuditRow, TenantRow } from "../../storage/d1/schema.ts";
import { Check, Post, Select, Text, TextArea } from "./components.tsx";

const when = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);

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

export type UserRowView = { id: string; email: string | null; username: string | null };

export function UserSearch(p: { tenantId: string; q: string; users: UserRowView[] }) {
  return (
    <>
      <form method="get" action={`/admin/tenants/${p.tenantId}/users`}>
        <label for="q">Email or login id</label>
        <input id="q" name="q" type="search" value={p.q} />
        <button type="submit" class="button blue">
          Search
        </button>
      </form>
      <ul>
        {p.users.map((u) => (
          <li>
            <a href={`/admin/tenants/${p.tenantId}/users/${u.id}`}>{u.email ?? u.username ?? u.id}</a>
          </li>
        ))}
      </ul>
    </>
  );
}

export type UserDetail = {
  id: string;
  label: string;
  methods: Array<{ id: string; method: string; detail: string }>;
  recoveryCodes: number;
  locked: boolean;
  trustedDevices: number;
  passkeys: Array<{ id: string; name: string }>;
};

export function UserPage(p: { tenantId: string; u: UserDetail; csrf: string }) {
  const base = `/admin/tenants/${p.tenantId}/users/${p.u.id}`;
  return (
    <>
      <h2>Two-factor methods</h2>
      {p.u.methods.length === 0 ? <p>None.</p> : null}
      <ul>
        {p.u.methods.map((m) => (
          <li>
            {m.method} {m.detail}
            <Post action={`${base}/methods/${m.id}/remove`} csrf={p.csrf} label={`Remove ${m.method}`} secondary />
          </li>
        ))}
      </ul>
      <h2>Recovery codes</h2>
      <p>{p.u.recoveryCodes} remaining.</p>
      {p.u.methods.length ? (
        <Post action={`${base}/recovery-codes`} csrf={p.csrf} label="Regenerate" secondary />
      ) : null}
      <h2>Lock</h2>
      <p id="lock-status">{p.u.locked ? "Locked." : "Not locked."}</p>
      {p.u.locked ? <Post action={`${base}/unlock`} csrf={p.csrf} label="Unlock" /> : null}
      <h2>Trusted devices</h2>
      <p>{p.u.trustedDevices} trusted.</p>
      {p.u.trustedDevices ? <Post action={`${base}/trust/revoke`} csrf={p.csrf} label="Revoke all" secondary /> : null}
      <h2>Passkeys</h2>
      {p.u.passkeys.length === 0 ? <p>None.</p> : null}
      <ul>
        {p.u.passkeys.map((k) => (
          <li>
            {k.name}
            <Post action={`${base}/passkeys/${k.id}/delete`} csrf={p.csrf} label={`Delete ${k.name}`} secondary />
          </li>
        ))}
      </ul>
    </>
  );
}

export function EventsPage(p: { tenantId: string; userId: string; type: string; events: Record<string, unknown>[] }) {
  return (
    <>
      <form method="get" action={`/admin/tenants/${p.tenantId}/events`}>
        <Text name="userId" label="User id" value={p.userId} />
        <Select name="type" label="Type" value={p.type} options={["", ...EVENT_TYPES]} />
        <button type="submit" class="button blue">
          Filter
        </button>
      </form>
      <ul>
        {p.events.map((e) => (
          <li>
            {when(Number(e.createInstant))} <strong>{String(e.type)}</strong> {String(e.userId ?? "")}
          </li>
        ))}
      </ul>
    </>
  );
}

export type HookView = {
  id: string;
  url: string;
  description: string;
  events: string[];
  deliveries: Array<{ event: string; status: string }>;
};

/** The edit form of one webhook: URL, description and the subscribed events (checkboxes). */
function HookForm(p: { action: string; h: HookView; csrf: string }) {
  const id = p.h.id;
  return (
    <Post action={p.action} csrf={p.csrf} label="Save">
      <label for={`url-${id}`}>URL (https)</label>
      <input id={`url-${id}`} name="url" type="url" value={p.h.url} />
      <label for={`description-${id}`}>Description</label>
      <input id={`description-${id}`} name="description" type="text" value={p.h.description} />
      <fieldset>
        <legend>Events</legend>
        {EVENT_TYPES.map((e) => (
          <label class="inline" for={`event-${id}-${e}`}>
            <input
              id={`event-${id}-${e}`}
              name={`event.${e}`}
              type="checkbox"
              value="true"
              checked={p.h.events.includes(e)}
            />{" "}
            {e}
          </label>
        ))}
      </fieldset>
    </Post>
  );
}

export function WebhooksPage(p: { tenantId: string; hooks: HookView[]; csrf: string }) {
  const base = `/admin/tenants/${p.tenantId}/webhooks`;
  return (
    <>
      {p.hooks.map((h) => (
        <section>
          <h2>
            <code>{h.url}</code>
          </h2>
          <ul>
            {h.deliveries.map((d) => (
              <li>
                {d.event}: {d.status}
              </li>
            ))}
          </ul>
          <HookForm action={`${base}/${h.id}`} h={h} csrf={p.csrf} />
          <Post action={`${base}/${h.id}/secret`} csrf={p.csrf} label="Rotate secret" secondary />
          <Post action={`${base}/${h.id}/delete`} csrf={p.csrf} label="Delete" secondary />
        </section>
      ))}
      <h2>New webhook</h2>
      <Post action={base} csrf={p.csrf} label="Create">
        <Text name="url" label="URL (https)" type="url" />
        <Select name="event" label="Event" value="user.login.success" options={EVENT_TYPES} />
      </Post>
    </>
  );
}

export function ApiKeysPage(p: {
  tenantId: string;
  keys: Array<{ id: string; description: string | null }>;
  csrf: string;
}) {
  const base = `/admin/tenants/${p.tenantId}/api-keys`;
  return (
    <>
      <ul>
        {p.keys.map((k) => (
          <li>
            <code>{k.id}</code> {k.description ?? ""}
            <Post action={`${base}/${k.id}/revoke`} csrf={p.csrf} label="Revoke" secondary />
          </li>
        ))}
      </ul>
      <h2>New API key (this tenant)</h2>
      <Post action={base} csrf={p.csrf} label="Create">
        <Text name="description" label="Description" />
      </Post>
    </>
  );
}

export function KeysPage(p: {
  tenantId: string;
  keys: Array<{ id: string; name: string; algorithm: string; kid: string }>;
  /** The key that signs the tenant's tokens (applications may name another one). */
  signingKeyId: string | null;
  csrf: string;
}) {
  return (
    <>
      <ul>
        {p.keys.map((k) => (
          <li id={`key-${k.id}`}>
            {k.name} ({k.algorithm}) <code>{k.kid}</code>
            {k.id === p.signingKeyId ? <strong> Signs this tenant's tokens</strong> : null}
            <Post
              action={`/admin/tenants/${p.tenantId}/keys/${k.id}/delete`}
              csrf={p.csrf}
              label={`Delete ${k.name}`}
              secondary
            />
          </li>
        ))}
      </ul>
      <p>Deleting a key withdraws it from the JWKS at once: tokens it signed stop verifying.</p>
      <h2>Generate a key</h2>
      <Post action={`/admin/tenants/${p.tenantId}/keys`} csrf={p.csrf} label="Generate">
        <Text name="name" label="Name" />
        <Select name="algorithm" label="Algorithm" value="RS256" options={["RS256", "ES256"]} />
      </Post>
    </>
  );
}

export function AuditPage(p: { rows: AuditRow[]; total: number }) {
  return (
    <>
      <p>{p.total} entries.</p>
      <ul>
        {p.rows.map((r) => (
          <li>
            {when(r.insertInstant)} <strong>{r.message}</strong> by {String(r.data.actorEmail ?? r.insertUser)} (
            {String(r.data.source)}
            {r.data.ipAddress ? `, ${String(r.data.ipAddress)}` : ""})
            <AuditChanges oldValue={r.oldValue} newValue={r.newValue} />
          </li>
        ))}
      </ul>
    </>
  );
}

/** The changed fields of one audit entry, folded (works without JavaScript). */
function AuditChanges(p: { oldValue: unknown; newValue: unknown }) {
  const changes = auditChanges(p.oldValue, p.newValue);
  if (changes.length === 0) return null;
  return (
    <details>
      <summary>
        {changes.length} changed field{changes.length === 1 ? "" : "s"}
      </summary>
      <ul>
        {changes.map((ch) => (
          <li>
            {/* code breaks anywhere (layout CSS): long JSON stays inside 320 px */}
            <code>{ch.path}</code>{" "}
            <del>
              <code>{ch.before ?? "(none)"}</code>
            </del>{" "}
            →{" "}
            <ins>
              <code>{ch.after ?? "(none)"}</code>
            </ins>
          </li>
        ))}
      </ul>
    </details>
  );
}
