/**
 * GET /dev/passkeys: a minimal page for exercising the passkey ceremonies in a browser against a
 * local worker. Development and tests only (ENVIRONMENT development or test); in production it
 * answers 404 like an unknown path. It holds nothing: the API key is typed in (or passed in the URL
 * fragment, `#key=…`, which never reaches a server) and every call goes to the public API, the way
 * an application backend would make it. The browser test drives this page.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edge-mfa passkeys (development)</title>
<style>body{font:15px system-ui,sans-serif;margin:2em;max-width:52em}label{display:block;margin:.4em 0}input{width:24em}
button{margin:.3em .3em 0 0}pre{background:#f4f4f4;padding:1em;white-space:pre-wrap;word-break:break-all}</style></head>
<body>
<h1>Passkeys (development)</h1>
<p>Calls the API of this worker with the key below, as an application backend would. <code>npm run dev</code> prints a link with the dev key.</p>
<label>API key <input id="key" autocomplete="off"></label>
<label>Email <input id="email" value="dev@example.com"></label>
<label>Password <input id="password" type="password" value="correct horse battery staple"></label>
<div>
<button id="create-user">Create user</button>
<button id="register">Register a passkey</button>
<button id="passwordless">Sign in with a passkey</button>
<button id="second-factor">Password, then passkey</button>
<button id="step-up">Step-up with a passkey</button>
</div>
<h2>Result</h2>
<output id="result" data-status="idle"></output>
<pre id="log"></pre>
<script type="module">
import { createPasskey, getPasskey, isSupported } from "/webauthn.js";
const $ = (id) => document.getElementById(id);
const fromHash = new URLSearchParams(location.hash.slice(1)).get("key");
if (fromHash) $("key").value = fromHash;
const log = (line) => ($("log").textContent += line + "\\n");

async function api(method, path, body, withKey = true) {
  const headers = { "content-type": "application/json" };
  if (withKey) headers.authorization = $("key").value;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  log(method + " " + path + " → " + res.status);
  return { status: res.status, json };
}
const ok = (r, ...statuses) => { if (!(statuses.length ? statuses : [200]).includes(r.status)) throw new Error("HTTP " + r.status + " " + JSON.stringify(r.json ?? "")); return r.json; };
const amr = (token) => token ? JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).amr : undefined;
async function userId() { return ok(await api("GET", "/api/user?email=" + encodeURIComponent($("email").value))).user.id; }

async function finishChallenge(twoFactorId) {
  const { options } = ok(await api("POST", "/api/webauthn/start", { twoFactorId }));
  const webauthn = await getPasskey(options);
  return ok(await api("POST", "/api/two-factor/login", { twoFactorId, webauthn }, false));
}

const flows = {
  "create-user": async () => ok(await api("POST", "/api/user", { user: { email: $("email").value, password: $("password").value } })).user.id,
  register: async () => {
    const id = await userId();
    const { options } = ok(await api("POST", "/api/webauthn/register/start", { userId: id, displayName: $("email").value, name: "dev page", workflow: "bootstrap" }));
    const credential = await createPasskey(options);
    return ok(await api("POST", "/api/webauthn/register/complete", { userId: id, origin: location.origin, credential })).credential.credentialId;
  },
  passwordless: async () => {
    const { options } = ok(await api("POST", "/api/webauthn/start", { state: { from: "dev page" } }));
    const credential = await getPasskey(options);
    return amr(ok(await api("POST", "/api/webauthn/login", { origin: location.origin, credential }, false)).token);
  },
  "second-factor": async () => {
    const login = ok(await api("POST", "/api/login", { loginId: $("email").value, password: $("password").value }), 242);
    if (!login.methods.some((m) => m.method === "webauthn")) throw new Error("no passkey among the methods");
    return amr((await finishChallenge(login.twoFactorId)).token);
  },
  "step-up": async () => {
    const start = ok(await api("POST", "/api/two-factor/start", { userId: await userId(), state: { action: "step-up" } }));
    const done = await finishChallenge(start.twoFactorId);
    return { amr: amr(done.token), state: done.state };
  },
};

for (const [id, flow] of Object.entries(flows)) {
  $(id).addEventListener("click", async () => {
    const out = $("result");
    out.dataset.status = "running";
    out.dataset.flow = id;
    try {
      const value = await flow();
      out.textContent = JSON.stringify(value);
      out.dataset.status = "ok";
    } catch (err) {
      out.textContent = String(err && err.message || err);
      out.dataset.status = "error";
    }
    log(id + ": " + out.dataset.status + " " + out.textContent);
  });
}
if (!isSupported()) log("This browser has no WebAuthn.");
// For scripted use (the browser test): the same helpers, without importing the module again.
window.passkeys = { createPasskey, getPasskey };
</script>
</body></html>
`;

export const webAuthnDevRoutes = new Hono<AppEnv>();

webAuthnDevRoutes.get("/", (c) => {
  const environment = c.var.config.ENVIRONMENT;
  if (environment !== "development" && environment !== "test") throw ApiError.notFound();
  return c.html(PAGE, 200, {
    "content-security-policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'",
    "cache-control": "no-store",
  });
});
