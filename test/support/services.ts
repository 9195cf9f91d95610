/** The services container as the app builds it, on the test bindings and the shared test clock. */
import { env } from "cloudflare:workers";
import { parseConfig } from "../../src/config.ts";
import { buildServices } from "../../src/services/container.ts";
import { clock } from "./mfa.ts";

export function testServices() {
  const parsed = parseConfig(env as unknown as Record<string, unknown>);
  if (!parsed.ok) throw new Error("config");
  return buildServices(env, parsed.config, () => {}, { now: () => clock.now });
}
