/** Adding a method on the account pages: the authenticator app, a sent-code factor, and the recovery codes shown once. */
import type { DeliveryFactor } from "../../factors/registry.ts";
import type { Child } from "hono/jsx";
import { Alerts, Hidden } from "../layout.tsx";
import { QrKey } from "../two-factor.tsx";
import { CodeField } from "./shared.tsx";

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
