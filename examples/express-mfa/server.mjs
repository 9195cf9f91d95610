#!/usr/bin/env node
/**
 * `npm run example`: the example app next to `npm run dev`. Reads its settings from the environment
 * or `.dev-example.json` (see lib/config.mjs), listens on 127.0.0.1 and prints the URL to open.
 */
import { createServer } from "node:http";
import { createExampleApp } from "./lib/app.mjs";
import { loadConfig } from "./lib/config.mjs";

let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  console.error(`[example] ${/** @type {Error} */ (err).message}`);
  process.exit(1);
}
const app = createExampleApp(config, { log: (m) => console.log(`[example] ${m}`) });
const server = createServer((req, res) => void app.handle(req, res));
server.listen(config.port, "127.0.0.1", () => {
  console.log(`[example] edge-mfa at ${config.edgeMfaUrl}, client ${config.clientId}`);
  console.log(`[example] open ${config.exampleUrl}/ and choose Login`);
  if (config.devUser) console.log(`[example] dev user: ${config.devUser.email} / ${config.devUser.password}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
