/**
 * GET /webauthn.js: the browser side of the passkey ceremonies, served by the worker as an ES
 * module (no bundler). It turns the JSON options of /api/webauthn/register/start and
 * /api/webauthn/start into navigator.credentials calls and the resulting credential back into the
 * JSON the API accepts. It uses PublicKeyCredential.parseCreationOptionsFromJSON /
 * parseRequestOptionsFromJSON / toJSON where the browser has them (WebAuthn L3) and converts by
 * hand where it does not. It holds no secret and talks to no server itself: the page decides which
 * API calls carry which credential.
 *
 *   import { createPasskey, getPasskey } from "/webauthn.js";
 *   const credential = await createPasskey((await start()).options);   // → register/complete
 *   const assertion = await getPasskey(options);                         // → /api/webauthn/login …
 */
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";

export const WEBAUTHN_JS = `// edge-mfa passkeys: browser helpers (ES module). Served by the worker at /webauthn.js.
const toBytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
const toB64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const descriptors = (list) => (list ?? []).map((d) => ({ ...d, id: toBytes(d.id) }));

/** True when this browser can do WebAuthn at all. */
export function isSupported() {
  return typeof window !== "undefined" && typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
}

function creationOptions(json) {
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return { ...json, challenge: toBytes(json.challenge), user: { ...json.user, id: toBytes(json.user.id) }, excludeCredentials: descriptors(json.excludeCredentials) };
}

function requestOptions(json) {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return { ...json, challenge: toBytes(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
}

function credentialJSON(cred) {
  if (typeof cred.toJSON === "function") return cred.toJSON();
  const r = cred.response;
  const response = { clientDataJSON: toB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64url(r.attestationObject);
    if (typeof r.getTransports === "function") response.transports = r.getTransports();
  } else {
    response.authenticatorData = toB64url(r.authenticatorData);
    response.signature = toB64url(r.signature);
    response.userHandle = r.userHandle ? toB64url(r.userHandle) : null;
  }
  return { id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, authenticatorAttachment: cred.authenticatorAttachment ?? null, clientExtensionResults: cred.getClientExtensionResults(), response };
}

/** Registration: creation options JSON in, credential JSON (for /api/webauthn/register/complete) out. */
export async function createPasskey(optionsJSON, { signal } = {}) {
  const cred = await navigator.credentials.create({ publicKey: creationOptions(optionsJSON), signal });
  if (!cred) throw new Error("No credential was created.");
  return credentialJSON(cred);
}

/** Authentication: request options JSON in, assertion JSON (for /api/webauthn/login, /assert, or two-factor/login's webauthn) out. */
export async function getPasskey(optionsJSON, { signal, mediation } = {}) {
  const cred = await navigator.credentials.get({ publicKey: requestOptions(optionsJSON), signal, ...(mediation ? { mediation } : {}) });
  if (!cred) throw new Error("No credential was chosen.");
  return credentialJSON(cred);
}
`;

export const webAuthnScriptRoutes = new Hono<AppEnv>();

webAuthnScriptRoutes.get("/webauthn.js", (c) =>
  c.body(WEBAUTHN_JS, 200, {
    "content-type": "text/javascript; charset=utf-8",
    "cache-control": "public, max-age=300",
    "x-content-type-options": "nosniff",
  }),
);
