/**
 * The hosted pages' frame: FusionAuth's title ("Login | FusionAuth" on every page, as its classic
 * theme, so tests written against FusionAuth find it), the tenant's small theme, and one stylesheet.
 *
 * The stylesheet is inline and allowed by its SHA-256 in the CSP (no 'unsafe-inline'): it carries
 * the tenant's two colours, which are validated `#rrggbb` values, so the hash changes per theme and a
 * separate cached file would need a per-tenant URL. It is small (under 2 KiB) and costs no request.
 */
import type { Child } from "hono/jsx";
import type { LoginTheme } from "../settings.ts";

const BASE_CSS = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:#1b1f24}
main{max-width:26rem;margin:2rem auto;padding:1.25rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}
@media (max-width:26rem){main{margin:0;border-radius:0;min-height:100vh}}
header{text-align:center;margin-bottom:1rem}header img{max-width:100%;max-height:4rem}
h1{font-size:1.35rem;margin:.25rem 0 1rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
label.inline{display:flex;gap:.5rem;align-items:center;font-weight:400}
input[type=text],input[type=password],input[type=email],input[type=tel],input[type=number],input[type=url],input[type=search],textarea,select{width:100%;padding:.6rem;font-size:1rem;border:1px solid #8a939d;border-radius:4px}
input:focus,select:focus,button:focus,a:focus{outline:3px solid var(--primary);outline-offset:2px}
.button{display:inline-block;width:100%;margin-top:1rem;padding:.7rem;border:0;border-radius:4px;font-size:1rem;cursor:pointer;text-align:center;text-decoration:none}
.button.blue{background:var(--primary);color:#fff}
.button.secondary{background:#e8eaed;color:#1b1f24}
.alert{padding:.6rem .8rem;border-radius:4px;margin:.5rem 0}
.alert.error{background:#fde8e8;color:#8a1c1c}.alert.info{background:#e8f0fd;color:#1c3d8a}
.error{color:#8a1c1c;font-size:.9rem}
.codes{display:grid;grid-template-columns:repeat(auto-fill,minmax(8rem,1fr));gap:.5rem;font-family:ui-monospace,monospace;margin:1rem 0}
code,.key{font-family:ui-monospace,monospace;word-break:break-all}
#qrcode svg{display:block;width:100%;max-width:14rem;height:auto;margin:0 auto}
fieldset{border:0;padding:0;margin:0}legend{padding:0}
.radio{display:flex;gap:.5rem;align-items:center;padding:.4rem 0}.radio label.inline{margin:0}
input[type=radio],input[type=checkbox]{width:1.15rem;height:1.15rem;margin:0;flex:none}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
[hidden]{display:none!important}
p.links{text-align:center;font-size:.9rem}
a{color:var(--primary)}
iframe{display:none}`;

/** The page stylesheet for a theme: the only inline style (its hash goes into the CSP). */
export function pageCss(theme: LoginTheme): string {
  return `:root{--primary:${theme.primaryColor};--bg:${theme.backgroundColor}}\n${BASE_CSS}`;
}

export function Layout(props: {
  theme: LoginTheme;
  heading: string;
  css: string;
  head?: Child;
  children?: Child;
  /** The document title; FusionAuth's "Login | FusionAuth" unless a page names itself. */
  title?: string;
}) {
  const { theme } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title ?? "Login | FusionAuth"}</title>
        <style dangerouslySetInnerHTML={{ __html: props.css }} />
        {props.head}
      </head>
      <body>
        <main>
          {theme.logoURL || theme.displayName ? (
            <header>
              {theme.logoURL ? <img src={theme.logoURL} alt={theme.displayName ?? ""} /> : null}
              {theme.displayName ? <p>{theme.displayName}</p> : null}
            </header>
          ) : null}
          <h1>{props.heading}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** Hidden inputs for the carried OAuth parameters (FusionAuth's oauthHiddenFields) and page fields. */
export function Hidden(props: { fields: [string, string][] }) {
  return (
    <>
      {props.fields.map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

/** A notice or error above a form (`.alert.error` is what FusionAuth's tests read). */
export function Alerts(props: { error?: string | null; info?: string | null }) {
  return (
    <>
      {props.info ? (
        <div class="alert info" role="status">
          {props.info}
        </div>
      ) : null}
      {props.error ? (
        <div class="alert error" role="alert">
          {props.error}
        </div>
      ) : null}
    </>
  );
}

export function FieldError(props: { id: string; message?: string | null }) {
  return props.message ? (
    <span class="error" id={props.id}>
      {props.message}
    </span>
  ) : null;
}
