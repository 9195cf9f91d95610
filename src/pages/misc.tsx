/** The error page, "Registration Required", the form_post response, the logout page and a generic message. */
import type { OAuthError } from "../domain/authorize-request.ts";
import { Alerts, Hidden } from "./layout.tsx";

/** FusionAuth's oauth2/error.ftl: the OAuthError JSON in a `<pre>`. */
export function ErrorPage(p: { error: OAuthError }) {
  return (
    <>
      <Alerts error="The request could not be completed." />
      <pre id="oauth-error">{JSON.stringify(p.error, null, 2)}</pre>
    </>
  );
}

export function MessagePage(p: { error?: string; info?: string; link?: { href: string; text: string } }) {
  return (
    <>
      <Alerts error={p.error} info={p.info} />
      {p.link ? (
        <p class="links">
          <a href={p.link.href}>{p.link.text}</a>
        </p>
      ) : null}
    </>
  );
}

/** RFC 6749 / OAuth 2.0 Form Post Response Mode §2: auto-submitting form; a button when scripts are off. */
export const FORM_POST_SCRIPT = "document.forms[0].submit();";

export function FormPostPage(p: { action: string; fields: [string, string][] }) {
  return (
    <>
      <form method="post" action={p.action}>
        <Hidden fields={p.fields} />
        <noscript>
          <button class="blue button" type="submit">
            Continue
          </button>
        </noscript>
      </form>
      <script dangerouslySetInnerHTML={{ __html: FORM_POST_SCRIPT }} />
    </>
  );
}

/** FusionAuth's AllApplications logout: a 2 s meta refresh to the target and hidden front-channel iframes. */
export function LogoutPage(p: { target: string; iframes: string[] }) {
  return (
    <>
      <p>
        You are being signed out. <a href={p.target}>Continue</a>
      </p>
      {p.iframes.map((src) => (
        <iframe src={src} title="logout" tabindex={-1} aria-hidden="true" />
      ))}
    </>
  );
}
