/**
 * The self-service account pages (/account): the security overview, the step-up confirmation, the
 * method enrolment pages, the removal and recovery-code pages, and the passkey list. Every form posts
 * to /account/* with the CSRF field; only the passkey buttons need JavaScript (/account/passkey.js).
 */
import type { DeliveryFactor } from "../../factors/registry.ts";
import type { Child } from "hono/jsx";
import { Alerts, FieldError, Hidden } from "../layout.tsx";
import { QrKey } from "../two-factor.tsx";

/** Extra rules for the account pages (appended to the hosted stylesheet, same CSP hash mechanism). */
export const ACCOUNT_CSS = `
main{max-width:40rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem;border-top:1px solid #d5d9de;padding-top:1rem}
ul.items{list-style:none;padding:0;margin:0}
ul.items>li{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:center;justify-content:space-between;padding:.5rem 0;border-bottom:1px solid #eceef0}
ul.items .meta{color:#4a525a;font-size:.9rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem}
.actions a,.actions button,button.small{display:inline-block;width:auto;margin:0;padding:.4rem .8rem;font-size:.95rem;border-radius:4px;border:0;cursor:pointer;text-decoration:none;background:#e8eaed;color:#1b1f24}
.actions .danger,button.danger{background:#8a1c1c;color:#fff}
form.inline{display:inline}
nav.top{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem;font-size:.9rem;margin-bottom:.5rem}
nav.top a{white-space:nowrap}
.muted{color:#4a525a;overflow-wrap:anywhere}
ul.items>li.passkey{display:block}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.row input{flex:1 1 10rem;width:auto}
.row .meta{flex:1 1 auto}`;

/** The labelled `name="code"` input with its error. */
function CodeField(p: { label: string; error?: string | null; numeric?: boolean }) {
  return (
    <>
      <label for="code">{p.label}</label>
      <input
        id="code"
        name="code"
        type="text"
        inputmode={p.numeric === false ? undefined : "numeric"}
        autocomplete="one-time-code"
        autocapitalize={p.numeric === false ? "characters" : undefined}
        spellcheck={false}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={p.error ? "code-error" : undefined}
      />
      <FieldError id="code-error" message={p.error} />
    </>
  );
}

/** Inside a `data-passkey` form: the credential field and the button /account/passkey.js reveals. */
function PasskeyButton(p: { text: string; primary: boolean }) {
  return (
    <>
      <input type="hidden" name="credential" value="" />
      <button class={p.primary ? "blue button" : "button secondary"} type="button" data-passkey-button hidden>
        {p.text}
      </button>
      <noscript>
        <p>Passkeys need JavaScript.</p>
      </noscript>
      <script type="module" src="/account/passkey.js" />
    </>
  );
}

export function TopNav(p: { email: string | null; logoutHref: string }) {
  return (
    <nav class="top" aria-label="Account">
      <a href="/account">Security overview</a>
      <span>
        {p.email ? <span class="muted">{p.email} · </span> : null}
        <a href={p.logoutHref}>Sign out</a>
      </span>
    </nav>
  );
}

export type MethodItem = { id: string; label: string; detail: string };
export type PasskeyItem = { id: string; name: string; detail: string };
export type DeviceItem = { ref: string; device: string; place: string; until: string };
export type EventItem = { what: string; when: string; place: string; device: string };

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

/** The step-up: a code from any method (a sent one for email/SMS), a recovery code, or a passkey. */
export function ConfirmPage(p: {
  nav: Child;
  hidden: [string, string][];
  purpose: string;
  oob: { id: string; label: string }[];
  passkeyOptions: string | null;
  codeError?: string | null;
  error?: string | null;
  info?: string | null;
}) {
  return (
    <>
      {p.nav}
      <Alerts error={p.error} info={p.info} />
      <p>
        To {p.purpose}, confirm it is you with your second factor. The confirmation is good for 5 minutes and one
        change.
      </p>
      <form id="confirm-form" method="post" action="/account/confirm" novalidate>
        <Hidden fields={p.hidden} />
        <CodeField
          label="Code from your authenticator app, a code we sent you, or a recovery code"
          error={p.codeError}
          numeric={false}
        />
        <button class="blue button" type="submit">
          Confirm
        </button>
      </form>
      {p.oob.map((m) => (
        <form method="post" action="/account/confirm" class="send-form">
          <Hidden fields={[...p.hidden, ["send", m.id]]} />
          <button class="button secondary" type="submit">
            Send a code: {m.label}
          </button>
        </form>
      ))}
      {p.passkeyOptions ? (
        <form
          id="passkey-form"
          method="post"
          action="/account/confirm"
          data-passkey="get"
          data-options={p.passkeyOptions}
        >
          <Hidden fields={p.hidden} />
          <PasskeyButton text="Use a passkey" primary={false} />
        </form>
      ) : null}
    </>
  );
}

export function AuthenticatorPage(p: {
  nav: Child;
  hidden: [string, string][];
  qrSvg: string;
  secretBase32: string;
  codeError?: string | null;
  error?: string | null;
}) {
  return (
    <>
      {p.nav}
      <Alerts error={p.error} />
      <p>Scan the QR code with your authentication app, or enter the key below. Then enter the code the app shows.</p>
      <QrKey qrSvg={p.qrSvg} secretBase32={p.secretBase32} />
      <form id="enable-form" method="post" action="/account/authenticator" novalidate>
        <Hidden fields={[...p.hidden, ["secretBase32Encoded", p.secretBase32]]} />
        <label for="name">Name (optional)</label>
        <input id="name" name="name" type="text" maxlength={100} placeholder="e.g. Phone" />
        <CodeField label="Verification code" error={p.codeError} />
        <button class="blue button" type="submit">
          Enable
        </button>
      </form>
    </>
  );
}

export function OobPage(p: {
  nav: Child;
  hidden: [string, string][];
  /** A sent-code factor (email, SMS): its path and destination field come from the registry. */
  factor: DeliveryFactor;
  value: string;
  sent: boolean;
  codeError?: string | null;
  error?: string | null;
  info?: string | null;
}) {
  const field = p.factor.method.field;
  const path = `/account/${p.factor.wire}`;
  return (
    <>
      {p.nav}
      <Alerts error={p.error} info={p.info} />
      <form id="send-form" method="post" action={path}>
        <Hidden fields={[...p.hidden, ["action", "send"]]} />
        <label for={field.name}>{field.hint ? `${field.label} (${field.hint})` : field.label}</label>
        <input id={field.name} name={field.name} type={field.type} value={p.value} autocomplete={field.autocomplete} />
        <button class="button secondary" type="submit">
          Send a verification code
        </button>
      </form>
      {p.sent ? (
        <form id="enable-form" method="post" action={path} novalidate>
          <Hidden fields={[...p.hidden, ["action", "enable"], [field.name, p.value]]} />
          <CodeField label="Verification code" error={p.codeError} />
          <button class="blue button" type="submit">
            Enable
          </button>
        </form>
      ) : null}
    </>
  );
}

/** A page with one confirming button (remove a method, regenerate the recovery codes). */
export function ActionPage(p: {
  nav: Child;
  formId: string;
  action: string;
  hidden: [string, string][];
  text: string;
  button: string;
  danger?: boolean;
  error?: string | null;
}) {
  return (
    <>
      {p.nav}
      <Alerts error={p.error} />
      <p>{p.text}</p>
      <form id={p.formId} method="post" action={p.action}>
        <Hidden fields={p.hidden} />
        <button class={p.danger ? "button danger" : "blue button"} type="submit">
          {p.button}
        </button>
      </form>
      <p class="links">
        <a href="/account">Cancel</a>
      </p>
    </>
  );
}

export function CodesPage(p: { nav: Child; codes: string[] }) {
  return (
    <>
      {p.nav}
      <Alerts info="New recovery codes were created; the old ones no longer work." />
      <p>Record these recovery codes now: they will not be shown again. Each one signs you in once.</p>
      <div class="codes" id="recovery-codes">
        {p.codes.map((c) => (
          <div class="code">{c}</div>
        ))}
      </div>
      <p class="links">
        <a href="/account">Done</a>
      </p>
    </>
  );
}

export function PasskeysPage(p: {
  nav: Child;
  csrf: string;
  passkeys: PasskeyItem[];
  /** Creation options when a registration was just started (the page then offers "Create passkey"). */
  creation: string | null;
  error?: string | null;
  info?: string | null;
}) {
  const csrf: [string, string] = ["csrf_token", p.csrf];
  return (
    <>
      {p.nav}
      <Alerts error={p.error} info={p.info} />
      {p.passkeys.length === 0 ? <p>You have no passkeys.</p> : null}
      <ul class="items" id="passkeys">
        {p.passkeys.map((k) => (
          <li class="passkey" data-passkey-id={k.id}>
            <form class="rename-form" method="post" action="/account/passkey-rename">
              <Hidden fields={[csrf, ["id", k.id]]} />
              <label for={`name-${k.id}`}>Name</label>
              <span class="row">
                <input id={`name-${k.id}`} name="name" type="text" value={k.name} maxlength={100} />
                <button class="small" type="submit">
                  Rename
                </button>
              </span>
            </form>
            <form class="delete-form row" method="post" action="/account/passkey-delete">
              <Hidden fields={[csrf, ["id", k.id]]} />
              <span class="meta">{k.detail}</span>
              <button class="small danger" type="submit" aria-label={`Delete passkey ${k.name}`}>
                Delete
              </button>
            </form>
          </li>
        ))}
      </ul>
      {p.creation ? (
        <form
          id="register-form"
          method="post"
          action="/account/passkey-complete"
          data-passkey="create"
          data-options={p.creation}
        >
          <Hidden fields={[csrf]} />
          <p>Your browser will ask you to create a passkey with your device (fingerprint, face or screen lock).</p>
          <PasskeyButton text="Create passkey" primary />
        </form>
      ) : (
        <form id="start-register-form" method="post" action="/account/passkey-register">
          <Hidden fields={[csrf]} />
          <label for="passkey-name">Name for a new passkey (optional)</label>
          <input id="passkey-name" name="name" type="text" maxlength={100} placeholder="e.g. Laptop" />
          <button class="blue button" type="submit">
            Add a passkey
          </button>
        </form>
      )}
    </>
  );
}

/** The account pages' one script: the passkey buttons (create or get), with /webauthn.js. */
export const ACCOUNT_PASSKEY_JS = `import { createPasskey, getPasskey, isSupported } from "/webauthn.js";
for (const form of document.querySelectorAll("form[data-passkey]")) {
  const button = form.querySelector("[data-passkey-button]");
  if (!button || !isSupported()) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const options = JSON.parse(form.dataset.options);
      const credential = form.dataset.passkey === "create" ? await createPasskey(options) : await getPasskey(options);
      form.querySelector('input[name="credential"]').value = JSON.stringify(credential);
      form.submit();
    } catch {
      button.disabled = false;
    }
  });
}
`;
