/**
 * The passkey list (/account/passkeys) and the account pages' one script (/account/passkey.js), the
 * only page code that needs JavaScript.
 */
import type { Child } from "hono/jsx";
import { Alerts, Hidden } from "../layout.tsx";
import { PasskeyButton, type PasskeyItem } from "./shared.tsx";

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
