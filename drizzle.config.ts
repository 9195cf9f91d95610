import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL here; wrangler's d1_migrations table is the one migration tracker.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/storage/d1/schema.ts",
  out: "./migrations",
});
