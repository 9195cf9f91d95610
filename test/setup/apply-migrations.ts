/**
 * Setup file of the `workers` vitest project: applies the real `migrations/` to the test D1 before
 * any test file runs. `applyD1Migrations` records what it applied, so running it per file is cheap.
 */
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(
  env.DB,
  (env as unknown as { TEST_MIGRATIONS: Parameters<typeof applyD1Migrations>[1] }).TEST_MIGRATIONS,
);
