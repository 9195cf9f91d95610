/**
 * The second-factor pages: /oauth2/two-factor-methods (chooser), /oauth2/two-factor (code),
 * /oauth2/two-factor-enable (enrolment at login) and /oauth2/two-factor-enable-complete (recovery
 * codes, shown once). Names and ids follow FusionAuth's templates.
 */
import type { MethodFactor } from "../factors/registry.ts";
import { Alerts, FieldError, Hidden } from "./layout.tsx";

/** The labelled `name="code"` input (recovery codes have letters, so no numeric keyboard). */
function CodeInput(p: { id: string; error?: string | null; placeholder?: string }) {
  return (
    <>
      <label for={p.id}>Verification code</label>
      <input
        id={p.id}
        name="code"
        type="text"
        autocomplete="one-time-code"
        autocapitalize="characters"
        spellcheck={false}
        placeholder={p.placeholder}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={p.error ? "code-error" : undefined}
      />
      <FieldError id="code-error" message={p.error} />
    </>
  );
}

export type MethodChoice = { id: string; label: string };

export function MethodsPage(p: {
  hidden: [string, string][];
  methods: MethodChoice[];
  recoveryCodes: number;
  /** A passkey can answer: the WebAuthn request options (JSON) for /oauth2/passkey.js. */
  passkey: { options: string } | null;
  error?: string | null;
  info?: string | null;
  fieldError?: string | null;
}) {
  // A user whose only second factor is a passkey has nothing to choose: no empty list and no Continue.
  const choices = p.methods.length > 0 || p.recoveryCodes > 0 || !p.passkey;
  return (
    <>
      <Alerts error={p.error} info={p.info} />
      {choices ? (
        <form id="2fa-form" method="post" action="/oauth2/two-factor-methods">
          <Hidden fields={p.hidden} />
          <fieldset aria-describedby={p.fieldError ? "methodId-error" : undefined}>
            <legend>Select a two-factor method</legend>
            {p.methods.map((m) => (
              <div class="radio">
                <input type="radio" name="methodId" id={`method-${m.id}`} value={m.id} />
                <label class="inline" for={`method-${m.id}`}>
                  {m.label}
                </label>
              </div>
            ))}
            {p.recoveryCodes > 0 ? (
              <div class="radio">
                <input type="radio" name="methodId" id="method-recoveryCode" value="recoveryCode" />
                <label class="inline" for="method-recoveryCode">
                  Use one of your {p.recoveryCodes} recovery codes
                </label>
              </div>
            ) : null}
          </fieldset>
          <FieldError id="methodId-error" message={p.fieldError} />
          <button class="blue button" type="submit">
            Continue
          </button>
        </form>
      ) : null}
      {p.passkey ? (
        <form id="passkey-form" method="post" action="/oauth2/two-factor-passkey" data-options={p.passkey.options}>
          <Hidden fields={p.hidden} />
          <input type="hidden" name="credential" id="passkey-credential" value="" />
          <button class={choices ? "button secondary" : "blue button"} type="button" id="passkey-button" hidden>
            Use a passkey
          </button>
          <noscript>
            <p>Passkeys need JavaScript.</p>
          </noscript>
          <script type="module" src="/oauth2/passkey.js" />
        </form>
      ) : null}
    </>
  );
}

export function CodePage(p: {
  hidden: [string, string][];
  trustDays: number;
  trustChecked: boolean;
  resendHref: string | null;
  codeError?: string | null;
  info?: string | null;
}) {
  return (
    <>
      <Alerts info={p.info} />
      <form id="2fa-form" method="post" action="/oauth2/two-factor" novalidate>
        <Hidden fields={p.hidden} />
        <CodeInput id="code" error={p.codeError} placeholder="Enter your verification or recovery code" />
        <label class="inline" for="trustComputer">
          <input type="checkbox" id="trustComputer" name="trustComputer" value="true" checked={p.trustChecked} />
          Trust this computer for {p.trustDays} days
        </label>
        <button class="blue button" type="submit">
          Verify
        </button>
      </form>
      {p.resendHref ? (
        <p class="links">
          <a href={p.resendHref} id="resend-link">
            Didn't receive a code? Try another option
          </a>
        </p>
      ) : null}
    </>
  );
}

/** The authenticator's QR code (a server-rendered SVG) and its key for manual entry. */
export function QrKey(p: { qrSvg: string; secretBase32: string }) {
  return (
    <>
      <div
        id="qrcode"
        role="img"
        aria-label="QR code for your authenticator app"
        dangerouslySetInnerHTML={{ __html: p.qrSvg }}
      />
      <p>
        Key:{" "}
        <code id="manual-key" class="key">
          {p.secretBase32}
        </code>
      </p>
    </>
  );
}

export function EnablePage(p: {
  hidden: [string, string][];
  /** Hidden fields of the page itself (twoFactorId, oauth_context, csrf) without method-specific ones. */
  methods: MethodFactor[];
  method: MethodFactor;
  qrSvg: string | null;
  secretBase32: string | null;
  secret: string | null;
  /** The destination typed so far (sent-code factors: the value of `method.method.field`). */
  destination: string;
  codeError?: string | null;
  error?: string | null;
  info?: string | null;
}) {
  const field = p.method.method.field;
  const common = [...p.hidden, ["method", p.method.wire] as [string, string]];
  return (
    <>
      <Alerts error={p.error} info={p.info} />
      <p>Your account requires two-factor authentication. Choose a method to set it up.</p>
      {p.methods.length > 1 ? (
        <form id="select-method-form" method="get" action="/oauth2/two-factor-enable">
          <Hidden fields={p.hidden.filter(([k]) => k !== "csrf_token")} />
          <label for="select-method">Method</label>
          <select id="select-method" name="method">
            {p.methods.map((m) => (
              <option value={m.wire} selected={m === p.method}>
                {m.label}
              </option>
            ))}
          </select>
          <button class="button secondary" type="submit">
            Choose
          </button>
        </form>
      ) : null}
      {!field ? (
        <fieldset data-method-instructions={p.method.wire}>
          <p>
            Open your authentication app and scan the QR code, or enter the key below. Then enter the code the app
            shows.
          </p>
          <QrKey qrSvg={p.qrSvg ?? ""} secretBase32={p.secretBase32 ?? ""} />
        </fieldset>
      ) : (
        <form id="send-two-factor-form" method="post" action="/oauth2/two-factor-enable">
          <Hidden fields={common} />
          <input type="hidden" name="action" value="send" />
          <label for={field.name}>{field.label}</label>
          <input
            id={field.name}
            name={field.name}
            type={field.type}
            value={p.destination}
            autocomplete={field.autocomplete}
          />
          <button class="button secondary" type="submit">
            Send a one-time code
          </button>
        </form>
      )}
      <form id="enable-two-factor-form" method="post" action="/oauth2/two-factor-enable" novalidate>
        <Hidden fields={common} />
        {p.secret ? <input type="hidden" name="secret" value={p.secret} /> : null}
        {p.secretBase32 ? <input type="hidden" name="secretBase32Encoded" value={p.secretBase32} /> : null}
        {field ? <input type="hidden" name={field.name} value={p.destination} /> : null}
        <CodeInput id="verification-code" error={p.codeError} />
        <button class="blue button" type="submit">
          Enable
        </button>
      </form>
    </>
  );
}

export function RecoveryCodesPage(p: { hidden: [string, string][]; codes: string[] }) {
  return (
    <>
      <p>
        Record these recovery codes, they will not be shown again. Each one can be used once to sign in if you lose your
        device.
      </p>
      <div class="codes" id="recovery-codes">
        {p.codes.map((c) => (
          <div class="code">{c}</div>
        ))}
      </div>
      <form id="done-form" method="post" action="/oauth2/two-factor-enable-complete">
        <Hidden fields={p.hidden} />
        <button class="blue button" type="submit">
          Done
        </button>
      </form>
    </>
  );
}
