/**
 * Server-rendered HTML for the example. Every interpolated value goes through `esc` (OWASP XSS
 * Prevention, rule 1); the one stylesheet is inline and allowed by its hash in the CSP, so no inline
 * script or style attribute is needed anywhere (CSP Level 3 hash-source).
 */
import { createHash } from "node:crypto";
import qrcode from "qrcode-generator";

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#1b1f24;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a,header button{color:#fff}
header form{margin:0 0 0 auto}
main{max-width:44rem;margin:1.5rem auto;padding:0 1rem}
section{background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:1rem 1.25rem;margin:0 0 1rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e5e8ec;vertical-align:top}
label{display:block;margin:.5rem 0 .2rem}
input[type=text],input[type=email],input[type=tel]{font:inherit;padding:.35rem .5rem;width:100%;max-width:20rem;box-sizing:border-box}
button{font:inherit;padding:.35rem .9rem;cursor:pointer}
.link{background:none;border:0;padding:0;text-decoration:underline}
.flash{padding:.6rem 1rem;border-radius:6px;margin:0 0 1rem}.info{background:#e7f4ea}.error{background:#fbe9e9}
.qr{width:14rem;max-width:100%}.qr svg{width:100%;height:auto}
code,.mono{font-family:ui-monospace,monospace;word-break:break-all}
ol.codes{columns:2;font-family:ui-monospace,monospace}
`;

/** The Content-Security-Policy for every page. `formTargets` are the origins a form may post or redirect to. */
export function contentSecurityPolicy(/** @type {string[]} */ formTargets) {
  const hash = createHash("sha256").update(STYLE).digest("base64");
  return [
    "default-src 'none'",
    `style-src 'sha256-${hash}'`,
    // Chrome applies form-action to the redirect after a POST too (sign-out goes on to edge-mfa).
    `form-action 'self' ${formTargets.join(" ")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/**
 * HTML-escapes text for element content and double-quoted attributes.
 * @param {unknown} value
 */
export function esc(value) {
  return String(value ?? "").replace(
    /[&<>"']/g,
    (c) =>
      /** @type {Record<string, string>} */ ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[
        c
      ] ?? c,
  );
}

/**
 * A string of already-safe HTML; template literals tagged with `html` escape every value that is not one.
 */
class Safe {
  /** @param {string} value */
  constructor(value) {
    this.value = value;
  }
  toString() {
    return this.value;
  }
}

/**
 * @param {TemplateStringsArray} strings
 * @param {unknown[]} values
 */
export function html(strings, ...values) {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    const parts = Array.isArray(v) ? v : [v];
    out += parts.map((p) => (p instanceof Safe ? p.value : p === false || p == null ? "" : esc(p))).join("");
    out += strings[i + 1] ?? "";
  });
  return new Safe(out);
}

/** @param {string} markup trusted markup (generated here, never user input) */
export function raw(markup) {
  return new Safe(markup);
}

/**
 * @typedef {{ signedIn: boolean, csrf?: string, flash?: { kind: "info" | "error", text: string } }} PageContext
 */

/**
 * @param {string} title
 * @param {Safe} body
 * @param {PageContext} ctx
 */
export function page(title, body, ctx) {
  const nav = ctx.signedIn
    ? html`<a href="/account">Account</a> <a href="/mfa">MFA settings</a>
        <form method="post" action="/logout">${csrfField(ctx.csrf)}<button class="link" type="submit">Sign out</button></form>`
    : html`<a href="/login">Login</a>`;
  const flash = ctx.flash ? html`<p class="flash ${ctx.flash.kind}" role="status">${ctx.flash.text}</p>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} | edge-mfa example</title><style>${STYLE}</style></head>
<body><header><a href="/"><strong>edge-mfa example</strong></a> ${nav}</header>
<main>${flash}${body}</main></body></html>`;
}

/** @param {string | undefined} csrf */
export function csrfField(csrf) {
  return html`<input type="hidden" name="csrf" value="${csrf ?? ""}">`;
}

/**
 * An SVG QR code (ISO/IEC 18004, error correction M) of `text`, drawn here; nothing leaves the server.
 * @param {string} text
 */
export function qrSvg(text) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  return raw(qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true }));
}

/**
 * The otpauth URI an authenticator app reads (Key Uri Format: `otpauth://totp/<issuer>:<account>?secret=…&issuer=…`).
 * @param {{ issuer: string, account: string, secretBase32: string }} p
 */
export function otpauthUri(p) {
  const label = `${encodeURIComponent(p.issuer)}:${encodeURIComponent(p.account)}`;
  const q = new URLSearchParams({
    secret: p.secretBase32,
    issuer: p.issuer,
    algorithm: "SHA1",
    digits: "6",
    period: "30",
  });
  return `otpauth://totp/${label}?${q.toString().replace(/\+/g, "%20")}`;
}

/** "ABCD EFGH …": a Base32 key in groups of four, easier to type. */
export function groupKey(/** @type {string} */ key) {
  return key.replace(/=+$/, "").replace(/(.{4})(?=.)/g, "$1 ");
}
