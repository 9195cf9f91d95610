/**
 * What every account page (/account) shares: the extra stylesheet, the code field, the passkey
 * button, the top navigation and the list item shapes the routes fill in. Every form posts to
 * /account/* with the CSRF field; only the passkey buttons need JavaScript (/account/passkey.js).
 */
import { FieldError } from "../layout.tsx";

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
export function CodeField(p: { label: string; error?: string | null; numeric?: boolean }) {
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
export function PasskeyButton(p: { text: string; primary: boolean }) {
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
