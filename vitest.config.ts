import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Values test/setup/prism.mjs (the workers project's globalSetup) provides: Prism mock servers for the vendor specs.
declare module "vitest" {
  export interface ProvidedContext {
    prismTwilio: string;
    prismResend: string;
    prismSendGrid: string;
    prismStartupMs: number;
    /** test/setup/webhook-listener.mjs: the local webhook receiver's base URL. */
    webhookListener: string;
  }
}

// Fixed, test-only secrets (never used anywhere else); test/helpers.ts reads BOOTSTRAP_API_KEY from `env`.
const TEST_SECRETS = {
  ENVIRONMENT: "test",
  BOOTSTRAP_API_KEY: "test-only-bootstrap-key-0123456789abcdefghijkl",
  ENCRYPTION_KEYS: "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  HASH_PEPPER: "test-only-hash-pepper-0123456789abcdefghijklmn",
};

// Two projects: `workers` runs inside workerd (the runtime we ship on); `node` runs the few tests that
// need a real process, such as the oathtool cross-check, which spawns /usr/bin/oathtool.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      projects: [
        {
          // The Prism URLs reach the worker as bindings (test/adapters/contract.prism.test.ts).
          plugins: [
            cloudflareTest(({ inject }) => ({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ...TEST_SECRETS,
                  PRISM_TWILIO_URL: inject("prismTwilio"),
                  PRISM_RESEND_URL: inject("prismResend"),
                  PRISM_SENDGRID_URL: inject("prismSendGrid"),
                  PRISM_STARTUP_MS: String(inject("prismStartupMs")),
                  WEBHOOK_LISTENER_URL: inject("webhookListener"),
                },
              },
            })),
          ],
          test: {
            name: "workers",
            // One module graph for all files instead of a fresh workerd isolate per file: ~430 s → ~95 s
            // on 2 cores. Every file seeds its own tenants, users and keys, and the module-level caches
            // (settings, API-key digests, signing keys) are keyed so sharing them is what production does.
            // A file that writes process-wide state (test/node/openapi-registry.test.ts registers fake
            // routes) lives in the Node project. Checked with `--sequence.shuffle` under several seeds.
            isolate: false,
            include: ["test/**/*.test.ts"],
            exclude: ["test/node/**", "test/e2e/**"],
            setupFiles: ["test/setup/apply-migrations.ts"],
            globalSetup: ["test/setup/prism.mjs", "test/setup/webhook-listener.mjs"],
          },
        },
        {
          test: { name: "node", environment: "node", include: ["test/node/**/*.test.ts"] },
        },
        {
          // Plain Node: starts `wrangler dev` (fresh state, random secrets) and drives it with the unmodified FusionAuth client.
          test: {
            name: "e2e",
            environment: "node",
            include: ["test/e2e/**/*.test.ts"],
            testTimeout: 60_000,
            hookTimeout: 180_000,
          },
        },
      ],
    },
  };
});
