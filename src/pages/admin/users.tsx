/**
 * The admin console's user pages: the search, one user's methods and actions, and their events. Data
 * comes from the route; every form posts with the session's CSRF token.
 */
import { EVENT_TYPES } from "../../domain/events.ts";
import { Post, Select, Text, when } from "./components.tsx";

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
  /** `label`: the factor's name from the registry (src/factors/registry.ts), never the wire name. */
  methods: Array<{ id: string; label: string; detail: string }>;
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
            {m.label} {m.detail}
            <Post action={`${base}/methods/${m.id}/remove`} csrf={p.csrf} label={`Remove ${m.label}`} secondary />
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
