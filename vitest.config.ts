import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: `workers` runs inside workerd (the runtime we ship on); `node` runs the few tests that
// need a real process, such as the oathtool cross-check, which spawns /usr/bin/oathtool.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      projects: [
        {
          plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings: { TEST_MIGRATIONS: migrations } } })],
          test: { name: "workers", include: ["test/**/*.test.ts"], exclude: ["test/node/**", "test/e2e/**"] },
        },
        {
          test: { name: "node", environment: "node", include: ["test/node/**/*.test.ts"] },
        },
      ],
    },
  };
});
