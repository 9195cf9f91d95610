/** The account overview (/account): methods, recovery codes, passkeys, trusted devices and recent events. */
import type { Child } from "hono/jsx";
import { Alerts, Hidden } from "../layout.tsx";
import type { MethodItem, PasskeyItem, DeviceItem, EventItem } from "./shared.tsx";

export function OverviewPage(p: {
  nav: Child;
  csrf: string;
  info?: string | null;
  methods: MethodItem[];
  addable: { href: string; label: string }[];
  recoveryCodes: number;
  passkeys: PasskeyItem[] | null;
  devices: DeviceItem[];
  events: EventItem[];
}) {
  return (
    <>
      {p.nav}
      <Alerts info={p.info} />
      <section aria-labelledby="methods-h">
        <h2 id="methods-h">Two-factor methods</h2>
        {p.methods.length === 0 ? <p>You have no two-factor method yet. Add one to protect your account.</p> : null}
        <ul class="items" id="methods">
          {p.methods.map((m) => (
            <li data-method-id={m.id}>
              <span>
                {m.label}
                <br />
                <span class="meta">{m.detail}</span>
              </span>
              <span class="actions">
                <a href={`/account/remove?methodId=${encodeURIComponent(m.id)}`} aria-label={`Remove ${m.label}`}>
                  Remove
                </a>
              </span>
            </li>
          ))}
        </ul>
        {p.addable.length ? (
          <p class="actions">
            {p.addable.map((a) => (
              <a href={a.href}>{a.label}</a>
            ))}
          </p>
        ) : null}
      </section>
      <section aria-labelledby="codes-h">
        <h2 id="codes-h">Recovery codes</h2>
        <p>
          <span id="recovery-remaining">{p.recoveryCodes}</span> recovery codes remaining.
        </p>
        {p.methods.length ? (
          <p class="actions">
            <a href="/account/recovery-codes">Regenerate recovery codes</a>
          </p>
        ) : null}
      </section>
      {p.passkeys ? (
        <section aria-labelledby="passkeys-h">
          <h2 id="passkeys-h">Passkeys</h2>
          {p.passkeys.length === 0 ? <p>No passkeys.</p> : null}
          <ul class="items" id="passkeys">
            {p.passkeys.map((k) => (
              <li>
                <span>
                  {k.name}
                  <br />
                  <span class="meta">{k.detail}</span>
                </span>
              </li>
            ))}
          </ul>
          <p class="actions">
            <a href="/account/passkeys">Manage passkeys</a>
          </p>
        </section>
      ) : null}
      <section aria-labelledby="devices-h">
        <h2 id="devices-h">Trusted devices</h2>
        {p.devices.length === 0 ? <p>No trusted devices.</p> : null}
        <ul class="items" id="devices">
          {p.devices.map((d) => (
            <li>
              <span>
                {d.device}
                <br />
                <span class="meta">
                  {d.place} · trusted until {d.until}
                </span>
              </span>
              <form class="inline" method="post" action="/account/revoke-device">
                <Hidden
                  fields={[
                    ["csrf_token", p.csrf],
                    ["ref", d.ref],
                  ]}
                />
                <button class="small" type="submit" aria-label={`Revoke ${d.device}`}>
                  Revoke
                </button>
              </form>
            </li>
          ))}
        </ul>
        {p.devices.length > 1 ? (
          <form id="revoke-all-form" method="post" action="/account/revoke-device">
            <Hidden
              fields={[
                ["csrf_token", p.csrf],
                ["ref", "all"],
              ]}
            />
            <button class="small" type="submit">
              Revoke all trusted devices
            </button>
          </form>
        ) : null}
      </section>
      <section aria-labelledby="events-h">
        <h2 id="events-h">Recent security events</h2>
        {p.events.length === 0 ? <p>No recent events.</p> : null}
        <ul class="items" id="events">
          {p.events.map((e) => (
            <li>
              <span>
                {e.what}
                <br />
                <span class="meta">
                  {e.when} · {e.place} · {e.device}
                </span>
              </span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
