/**
 * Seeding for examples/express-mfa (called by `npm run dev`, and by the example's e2e test against a
 * throwaway server), idempotent like the rest of scripts/dev.mjs:
 *
 *  - the dev application's oauthConfiguration gets the example's callback in authorizedRedirectURLs
 *    and its logoutURL (PATCH appends the missing URL; FusionAuth's PATCH appends arrays);
 *  - the client secret is shown once, in the response that created the application (or rotated its
 *    secret), so the one the example needs is kept in .dev-example.json (gitignored, mode 0600). A
 *    re-run checks the kept secret at the token endpoint and rotates it only when it is missing or refused;
 *  - a dev user (dev@example.com) with a random password, also kept in the file, registered for the
 *    application where the registration API answers.
 *
 * Plain Node ESM, no dependencies.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { exampleUrls } from "../../examples/express-mfa/lib/config.mjs";

export const DEV_USER_EMAIL = "dev@example.com";

/**
 * One JSON API call.
 * @param {string} baseUrl
 * @param {string} method
 * @param {string} path
 * @param {{ key?: string, tenantId?: string, body?: unknown }} [opts]
 */
export async function apiCall(baseUrl, method, path, { key, tenantId, body } = {}) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (key) headers.authorization = key;
  if (tenantId) headers["x-fusionauth-tenantid"] = tenantId;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/**
 * The JSON body of a 2xx answer, else an Error naming the call.
 * @param {string} what
 * @param {{ status: number, json?: any, text: string }} res
 */
export function expectOk(what, res) {
  if (res.status >= 200 && res.status < 300 && res.json) return res.json;
  throw new Error(`${what} answered ${res.status}${res.text ? `: ${res.text.slice(0, 300)}` : ""}`);
}

/**
 * Whether the token endpoint accepts `clientSecret` for the application: a made-up code with the
 * right credentials fails on the code (400), with wrong ones on the client (401 invalid_client,
 * RFC 6749 §5.2), because client authentication is checked first.
 * @returns {Promise<"accepted" | "refused" | "unknown">}
 */
export async function probeClientSecret(
  /** @type {{ baseUrl: string, clientId: string, clientSecret: string, redirectUri: string }} */ p,
) {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code: randomBytes(32).toString("base64url"),
    redirect_uri: p.redirectUri,
    client_id: p.clientId,
    client_secret: p.clientSecret,
  });
  const res = await fetch(`${p.baseUrl}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  const json = await res.json().catch(() => undefined);
  if (res.status === 401 && json?.error === "invalid_client") return "refused";
  if (res.status === 400 && json?.error) return "accepted";
  return "unknown";
}

/** Where edge-mfa rotates an application's client secret (the new one is in the answer, once). */
export const ROTATE_SECRET_PATH = (/** @type {string} */ applicationId) =>
  `/api/application/${applicationId}/oauth-configuration/client-secret`;

/** The new secret from a rotation answer, whichever of FusionAuth's shapes it uses. @param {any} json */
function secretIn(json) {
  return (
    json?.clientSecret ?? json?.oauthConfiguration?.clientSecret ?? json?.application?.oauthConfiguration?.clientSecret
  );
}

/**
 * @param {{
 *   baseUrl: string, apiKey: string, tenantId: string, applicationId: string,
 *   createdSecret?: string, exampleUrl: string, file: string, log?: (msg: string) => void,
 * }} p
 */
export async function seedExample(p) {
  const log = p.log ?? (() => {});
  /** @param {string} method @param {string} path @param {unknown} [body] */
  const api = (method, path, body) =>
    apiCall(p.baseUrl, method, path, { key: p.apiKey, ...(body === undefined ? {} : { body }) });
  const stored = existsSync(p.file) ? JSON.parse(readFileSync(p.file, "utf8")) : {};
  const { redirectUri, logoutUrl } = exampleUrls(p.exampleUrl);

  // 1. The application knows the example's callback and logout URL.
  const app = expectOk("GET /api/application", await api("GET", `/api/application/${p.applicationId}`)).application;
  const oauth = app.oauthConfiguration ?? {};
  const missingRedirect = !(oauth.authorizedRedirectURLs ?? []).includes(redirectUri);
  if (missingRedirect || oauth.logoutURL !== logoutUrl) {
    const patch = { logoutURL: logoutUrl, ...(missingRedirect ? { authorizedRedirectURLs: [redirectUri] } : {}) };
    expectOk(
      "PATCH /api/application (oauthConfiguration)",
      await api("PATCH", `/api/application/${p.applicationId}`, { application: { oauthConfiguration: patch } }),
    );
    log(`application ${p.applicationId}: redirect URL ${redirectUri}, logout URL ${logoutUrl}`);
  }

  // 2. The client secret: the one just created, else the kept one while the token endpoint accepts it, else a rotated one.
  let clientSecret = p.createdSecret ?? (stored.clientId === p.applicationId ? stored.clientSecret : undefined);
  if (clientSecret && !p.createdSecret) {
    const verdict = await probeClientSecret({
      baseUrl: p.baseUrl,
      clientId: p.applicationId,
      clientSecret,
      redirectUri,
    });
    if (verdict === "refused") clientSecret = undefined;
  }
  if (!clientSecret) {
    const r = await api("POST", ROTATE_SECRET_PATH(p.applicationId));
    clientSecret = r.status === 200 ? secretIn(r.json) : undefined;
    if (clientSecret) log(`rotated the client secret of ${p.applicationId} (the old one no longer works)`);
    else
      log(
        `could not get a client secret for ${p.applicationId} (rotation answered ${r.status}); the example cannot sign in`,
      );
  }

  // 3. The dev user, with the kept password; a user whose password was lost is recreated.
  const found = await api("GET", `/api/user?email=${encodeURIComponent(DEV_USER_EMAIL)}`);
  let user = found.status === 200 ? found.json.user : undefined;
  let password = stored.devUser?.id === user?.id ? stored.devUser?.password : undefined;
  if (user && !password) {
    const del = await api("DELETE", `/api/user/${user.id}`);
    if (del.status !== 200) throw new Error(`DELETE /api/user answered ${del.status}`);
    log(`recreating ${DEV_USER_EMAIL}: its password was not in ${p.file}`);
    user = undefined;
  }
  if (!user) {
    password = randomBytes(12).toString("base64url");
    user = expectOk(
      "POST /api/user",
      await api("POST", "/api/user", { user: { email: DEV_USER_EMAIL, password } }),
    ).user;
    log(`created user ${DEV_USER_EMAIL}`);
  }
  const registered = await api("GET", `/api/user/registration/${user.id}/${p.applicationId}`);
  if (registered.status !== 200) {
    const r = await api("POST", `/api/user/registration/${user.id}`, {
      registration: { applicationId: p.applicationId },
    });
    if (r.status === 200) log(`registered ${DEV_USER_EMAIL} for ${p.applicationId}`);
  }

  const result = {
    baseUrl: p.baseUrl,
    tenantId: p.tenantId,
    clientId: p.applicationId,
    clientSecret: clientSecret ?? "",
    apiKey: p.apiKey,
    exampleUrl: p.exampleUrl,
    redirectUri,
    logoutUrl,
    devUser: { id: user.id, email: DEV_USER_EMAIL, password },
  };
  writeFileSync(p.file, `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
  const login = new URL(`${p.baseUrl}/oauth2/authorize`);
  for (const [k, v] of Object.entries({
    client_id: p.applicationId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope: "openid email profile offline_access",
  }))
    login.searchParams.set(k, v);
  return { ...result, hostedLoginUrl: login.toString() };
}
