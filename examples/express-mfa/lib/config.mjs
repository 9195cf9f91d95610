/**
 * Settings from the environment, with defaults from `.dev-example.json`, the file `npm run dev` writes
 * (gitignored) when it seeds the dev application for this example.
 *
 * | Variable | Meaning | Default |
 * |---|---|---|
 * | EDGE_MFA_URL | edge-mfa's base URL (FusionAuth's `http://localhost:9011`) | file `baseUrl`, else http://127.0.0.1:8787 |
 * | TENANT_ID | the application's tenant (discovery and JWKS are per tenant) | file `tenantId` |
 * | CLIENT_ID | the application id | file `clientId` |
 * | CLIENT_SECRET | the application's client secret | file `clientSecret` |
 * | API_KEY | a tenant-scoped API key, for the MFA settings page | file `apiKey` |
 * | EXAMPLE_URL | where this app is reached; the redirect URI is `<EXAMPLE_URL>/oauth-redirect` | file `exampleUrl`, else http://localhost:3000 |
 * | PORT | the port to listen on (127.0.0.1) | EXAMPLE_URL's port |
 * | EXAMPLE_CONFIG | another path for the file | `<repo>/.dev-example.json` |
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the hosted login sends the browser back (registered as the application's authorizedRedirectURLs entry). */
export const CALLBACK_PATH = "/oauth-redirect";
/** The application's logoutURL: edge-mfa's /oauth2/logout ends here. */
export const LOGOUT_PATH = "/logged-out";

/**
 * The two URLs the dev application must know about the example.
 * @param {string} exampleUrl e.g. http://localhost:3000
 */
export function exampleUrls(exampleUrl) {
  const base = exampleUrl.replace(/\/+$/, "");
  return { redirectUri: `${base}${CALLBACK_PATH}`, logoutUrl: `${base}${LOGOUT_PATH}` };
}

export const DEFAULT_CONFIG_FILE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", ".dev-example.json");

/**
 * @typedef {{
 *   edgeMfaUrl: string, tenantId: string, clientId: string, clientSecret: string, apiKey: string,
 *   exampleUrl: string, redirectUri: string, logoutUrl: string, port: number, secureCookies: boolean,
 *   configFile: string, devUser?: { email: string, password: string },
 * }} Config
 */

/**
 * @param {Record<string, string | undefined>} env
 * @returns {Config}
 */
export function loadConfig(env) {
  const configFile = env.EXAMPLE_CONFIG || DEFAULT_CONFIG_FILE;
  /** @type {Record<string, any>} */
  const file = existsSync(configFile) ? JSON.parse(readFileSync(configFile, "utf8")) : {};
  const pick = (/** @type {string} */ name, /** @type {unknown} */ fallback) => {
    const v = env[name] || fallback;
    return typeof v === "string" ? v : "";
  };
  const edgeMfaUrl = pick("EDGE_MFA_URL", file.baseUrl ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  const exampleUrl = pick("EXAMPLE_URL", file.exampleUrl ?? "http://localhost:3000").replace(/\/+$/, "");
  const public_ = new URL(exampleUrl);
  const port = Number(env.PORT || public_.port || (public_.protocol === "https:" ? 443 : 80));
  const config = {
    edgeMfaUrl,
    tenantId: pick("TENANT_ID", file.tenantId),
    clientId: pick("CLIENT_ID", file.clientId),
    clientSecret: pick("CLIENT_SECRET", file.clientSecret),
    apiKey: pick("API_KEY", file.apiKey),
    exampleUrl,
    ...exampleUrls(exampleUrl),
    port,
    secureCookies: public_.protocol === "https:",
    configFile,
    ...(file.devUser?.email ? { devUser: file.devUser } : {}),
  };
  const missing = ["tenantId", "clientId", "clientSecret", "apiKey"].filter(
    (k) => !config[/** @type {"tenantId"} */ (k)],
  );
  if (missing.length)
    throw new Error(
      `missing ${missing.join(", ")}: run \`npm run dev\` first (it writes ${configFile}), or set ` +
        "TENANT_ID, CLIENT_ID, CLIENT_SECRET and API_KEY.",
    );
  return config;
}
