/** The step-up confirmation (/account/confirm) and the one-button confirming page (remove a method, regenerate the codes). */
import type { Child } from "hono/jsx";
import { Alerts, Hidden } from "../layout.tsx";
import { CodeField, PasskeyButton } from "./shared.tsx";

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
