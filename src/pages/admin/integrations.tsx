/** The admin console's integration pages: webhooks, API keys and signing keys (secrets shown once by `ShownOnce`). */
import { EVENT_TYPES } from "../../domain/events.ts";
import { Post, Select, Text } from "./components.tsx";

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
