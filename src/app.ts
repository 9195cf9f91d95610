/**
 * createApp: middleware order, route mounting, error handling. Nothing else lives here.
 * Order: request id → configuration check (fail closed) → services → API key → routes.
 */
import { Hono } from "hono";
import type { AppEnv } from "./env.ts";
import { parseConfig } from "./env.ts";
import { ApiError, errorResponse, handleError } from "./errors.ts";
import { requireApiKey } from "./middleware/auth.ts";
import { buildServices, type ServiceOverrides } from "./services/container.ts";
import { apiKeyRoutes } from "./routes/api-keys.ts";
import { tenantRoutes, applicationRoutes } from "./routes/tenants.ts";
import { userRoutes } from "./routes/users.ts";
import { loginRoutes } from "./routes/login.ts";
import { twoFactorRoutes } from "./routes/two-factor.ts";
import { docsRoutes } from "./routes/docs.ts";
import { benchRoutes } from "./routes/bench.ts";
import { twoFactorSendRoutes } from "./routes/two-factor-send.ts";
import { devRoutes } from "./routes/dev.ts";
import { webAuthnRoutes } from "./routes/webauthn.ts";
import { webAuthnScriptRoutes } from "./routes/webauthn-script.ts";
import { webAuthnDevRoutes } from "./routes/webauthn-dev.ts";
import { eventRoutes } from "./routes/events.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { jwksRoutes, keyRoutes } from "./routes/keys.ts";
import { oauthClientRoutes } from "./routes/oauth-client.ts";
import { oauthTokenRoutes } from "./routes/oauth-token.ts";
import { discoveryRoutes } from "./routes/oauth-discovery.ts";
import { hostedAuthorizeRoutes } from "./routes/hosted-authorize.tsx";
import { hostedTwoFactorRoutes } from "./routes/hosted-two-factor.tsx";
import { hostedLogoutRoutes } from "./routes/hosted-logout.tsx";
import { auditLogRoutes } from "./routes/audit-log.ts";
import { adminRoutes } from "./routes/admin.tsx";
import { accountRoutes } from "./routes/account.tsx";

/** `bench` mounts the benchmark routes (/__bench/*); index.ts passes BENCH_INSTRUMENTATION=1. */
export function createApp(opts: { overrides?: ServiceOverrides; bench?: boolean } = {}) {
  const app = new Hono<AppEnv>();

  app.use(async function requestContext(c, next) {
    c.set("requestId", crypto.randomUUID());
    const parsed = parseConfig(c.env as unknown as Record<string, unknown>);
    if (!parsed.ok) {
      // Refuse to serve half-configured; name the problem in the log only.
      console.error(JSON.stringify({ level: "error", msg: "invalid configuration", problems: parsed.problems }));
      return c.json(
        { generalErrors: [{ code: "[ServiceMisconfigured]", message: "The service is not configured." }] },
        500,
      );
    }
    c.set("config", parsed.config);
    c.set(
      "services",
      buildServices(c.env, parsed.config, (p) => c.executionCtx.waitUntil(p), opts.overrides),
    );
    await next();
  });

  app.use("/api/*", requireApiKey());

  app.route("/", docsRoutes);
  app.route("/api/api-key", apiKeyRoutes);
  app.route("/api/tenant", tenantRoutes);
  app.route("/api/application", applicationRoutes);
  app.route("/api/user", userRoutes);
  app.route("/api/login", loginRoutes);
  app.route("/api/two-factor", twoFactorRoutes);
  if (opts.bench) app.route("/__bench", benchRoutes);
  app.route("/api/two-factor/send", twoFactorSendRoutes);
  // Development and tests only: devRoutes answers 404 to everything in production.
  app.route("/dev", devRoutes);
  app.route("/api/webauthn", webAuthnRoutes);
  app.route("/api/event", eventRoutes);
  app.route("/api/webhook", webhookRoutes);
  app.route("/api/key", keyRoutes);
  app.route("/api/system/audit-log", auditLogRoutes);
  app.route("/", jwksRoutes);
  app.route("/api/application", oauthClientRoutes);
  app.route("/oauth2", oauthTokenRoutes);
  app.route("/", discoveryRoutes);
  app.route("/", webAuthnScriptRoutes);
  // The hosted login (FusionAuth's /oauth2/* pages): browser pages, never an API key.
  app.route("/oauth2", hostedAuthorizeRoutes);
  app.route("/oauth2", hostedTwoFactorRoutes);
  app.route("/oauth2", hostedLogoutRoutes);
  app.route("/admin", adminRoutes);
  app.route("/account", accountRoutes);
  // Development and tests only: the page answers 404 in production.
  app.route("/dev/passkeys", webAuthnDevRoutes);

  app.notFound(() => errorResponse(ApiError.notFound()));
  app.onError(handleError);
  return app;
}
