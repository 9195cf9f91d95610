/**
 * Micro-benchmark of settings completion, which runs on every start and login:
 *   npx node --experimental-strip-types scripts/bench/settings-micro.ts
 * Times 100k `completeTenantSettings` / `completeApplicationSettings` calls on fresh objects (as a
 * D1 read gives them: a new object per request) for an empty, a sparse and a full stored JSON, and
 * for sparse JSON that differs on every call (no two calls complete the same settings).
 */
import { completeApplicationSettings, completeTenantSettings } from "../../src/settings.ts";

const N = Number(process.env.N ?? 100_000);

const tenantCases: Record<string, string> = {
  empty: "{}",
  sparse: JSON.stringify({
    issuer: "acme",
    multiFactorConfiguration: { loginPolicy: "Required", email: { enabled: true }, sms: { enabled: true } },
    failedAuthenticationConfiguration: { tooManyAttempts: 3 },
  }),
  full: JSON.stringify(completeTenantSettings({})),
};
const applicationCases: Record<string, string> = {
  empty: "{}",
  sparse: JSON.stringify({
    multiFactorConfiguration: { trustPolicy: "This" },
    oauthConfiguration: { authorizedRedirectURLs: ["https://app.example.com/cb"] },
    roles: [{ name: "admin" }, { name: "user", isDefault: true }],
  }),
};

function time(label: string, json: string, fn: (raw: unknown) => unknown, distinct = false): void {
  // Fresh objects, parsed before the clock starts, so only the completion is timed.
  const inputs = Array.from({ length: N }, (_, i) => {
    const o = JSON.parse(json);
    if (distinct) o.loginTheme = { displayName: `t${i}` };
    return o;
  });
  for (let i = 0; i < 5000; i++) fn(JSON.parse(json)); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < N; i++) fn(inputs[i]);
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(24)} ${((ms / N) * 1000).toFixed(2).padStart(7)} µs/call  (${ms.toFixed(0)} ms / ${N})`);
}

for (const [k, v] of Object.entries(tenantCases)) time(`tenant ${k}`, v, completeTenantSettings);
time("tenant sparse, distinct", tenantCases.sparse!, completeTenantSettings, true);
for (const [k, v] of Object.entries(applicationCases)) time(`application ${k}`, v, completeApplicationSettings);
