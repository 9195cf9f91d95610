/**
 * The admin console's shared pieces: the navigation of one tenant's pages, a CSRF-carrying POST
 * form, and labelled inputs. Forms work without JavaScript; every input has a <label>.
 */
import type { Child } from "hono/jsx";
import { Alerts } from "../layout.tsx";

export type Nav = { tenantId: string | null; tenantName?: string; current: string; csrf: string; email: string | null };

const SECTIONS: Array<[string, string]> = [
  ["settings", "Tenant"],
  ["applications", "Applications"],
  ["users", "Users"],
  ["events", "Events"],
  ["webhooks", "Webhooks"],
  ["api-keys", "API keys"],
  ["keys", "Keys"],
  ["audit", "Audit log"],
];

export function AdminNav(p: Nav) {
  return (
    <nav aria-label="Console">
      <p>
        <a href="/admin">All tenants</a>
        {p.tenantId ? <> · {p.tenantName ?? p.tenantId}</> : null}
      </p>
      {p.tenantId ? (
        <ul class="admin-nav">
          {SECTIONS.map(([path, label]) => (
            <li>
              <a href={`/admin/tenants/${p.tenantId}/${path}`} aria-current={p.current === path ? "page" : undefined}>
                {label}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      <Post action="/admin/logout" csrf={p.csrf} label={`Sign out${p.email ? ` ${p.email}` : ""}`} secondary />
    </nav>
  );
}

/** A POST form with the CSRF token; `label` is its button. */
export function Post(p: {
  id?: string;
  action: string;
  csrf: string;
  label: string;
  secondary?: boolean;
  children?: Child;
}) {
  return (
    <form id={p.id} method="post" action={p.action}>
      <input type="hidden" name="csrf_token" value={p.csrf} />
      {p.children}
      <button type="submit" class={`button ${p.secondary ? "secondary" : "blue"}`}>
        {p.label}
      </button>
    </form>
  );
}

export function Text(p: { name: string; label: string; value?: string | number | null; type?: string }) {
  return (
    <>
      <label for={p.name}>{p.label}</label>
      <input id={p.name} name={p.name} type={p.type ?? "text"} value={p.value === null ? "" : String(p.value ?? "")} />
    </>
  );
}

export function TextArea(p: { name: string; label: string; value: string; rows?: number }) {
  return (
    <>
      <label for={p.name}>{p.label}</label>
      <textarea id={p.name} name={p.name} rows={p.rows ?? 4}>
        {p.value}
      </textarea>
    </>
  );
}

export function Check(p: { name: string; label: string; checked: boolean }) {
  return (
    <label class="inline" for={p.name}>
      <input id={p.name} name={p.name} type="checkbox" value="true" checked={p.checked} /> {p.label}
    </label>
  );
}

export function Select(p: { name: string; label: string; value: string; options: readonly string[] }) {
  return (
    <>
      <label for={p.name}>{p.label}</label>
      <select id={p.name} name={p.name}>
        {p.options.map((o) => (
          <option value={o} selected={o === p.value}>
            {o}
          </option>
        ))}
      </select>
    </>
  );
}

/** The page frame inside the shared layout: navigation, notices, content. */
export function AdminPage(p: { nav: Nav; error?: string | null; info?: string | null; children?: Child }) {
  return (
    <>
      <AdminNav {...p.nav} />
      <Alerts error={p.error} info={p.info} />
      {p.children}
    </>
  );
}

/** A secret shown once (client secret, webhook secret, API key, recovery codes). */
export function ShownOnce(p: { label: string; value: string }) {
  return (
    <div class="alert info" role="status">
      <p>{p.label} (shown once; copy it now):</p>
      <p>
        <code class="key">{p.value}</code>
      </p>
    </div>
  );
}

/** An instant (epoch milliseconds) as `YYYY-MM-DD HH:MM:SS` (UTC). */
export const when = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);
