#!/usr/bin/env node
/**
 * `npm run admin:create -- --url https://mfa.example.com --email you@example.com [--tenant <tenantId>]`
 *
 * Creates the first (or another) admin of the console at <url>/admin, with the bootstrap API key
 * from BOOTSTRAP_API_KEY (the Worker secret's value). Sets up the system tenant and the admin
 * application on first use (idempotent), creates the user with a random one-time password printed
 * once (nothing is stored), and registers them with role `admin` (every tenant) or, with --tenant,
 * `tenant-admin` of that tenant. At first sign-in the admin must enrol a second factor.
 */
import { parseArgs } from "node:util";
import { apiCall } from "./lib/dev-example.mjs";
import { ensureAdmin, ensureAdminApplication } from "./lib/admin-setup.mjs";

const { values } = parseArgs({
  options: { url: { type: "string" }, email: { type: "string" }, tenant: { type: "string" } },
});
const key = process.env.BOOTSTRAP_API_KEY;
if (!values.url || !values.email || !key) {
  console.error(
    "usage: BOOTSTRAP_API_KEY=… npm run admin:create -- --url <edge-mfa origin> --email <email> [--tenant <tenantId>]",
  );
  process.exit(2);
}
const api = (method, path, opts = {}) => apiCall(values.url, method, path, { ...opts, key });
await ensureAdminApplication(api, values.url);
const { userId, password } = await ensureAdmin(api, { email: values.email, tenantId: values.tenant ?? null });
console.log(
  `Admin ${values.email} (${userId}), ${values.tenant ? `tenant admin of ${values.tenant}` : "global admin"}.`,
);
console.log(password ? `One-time password (shown once): ${password}` : "The user already existed; password unchanged.");
console.log(`Sign in at ${new URL(values.url).origin}/admin and enrol a second factor.`);
