/**
 * Worker entry: the Hono app and the Durable Object classes (src/objects/), each given its
 * dependencies by the composition root (src/services/container.ts). Nothing else.
 */
import { env } from "cloudflare:workers";
import { createApp } from "./app.ts";
import { userGuardDeps, webhookDispatcherDeps } from "./services/container.ts";
import { defineUserGuard } from "./objects/user-guard.ts";
import { defineWebhookDispatcher } from "./objects/webhook-dispatcher.ts";

export { SendLimiter } from "./objects/send-limiter.ts";
export { DevOutbox } from "./objects/dev-outbox.ts";
export { PasskeyChallenge } from "./objects/passkey-challenge.ts";
export { OAuthSessions } from "./objects/oauth-sessions.ts";

export const UserGuard = defineUserGuard(userGuardDeps);
export type UserGuard = InstanceType<typeof UserGuard>;
export const WebhookDispatcher = defineWebhookDispatcher(webhookDispatcherDeps);
export type WebhookDispatcher = InstanceType<typeof WebhookDispatcher>;

export default createApp({ bench: (env as unknown as Record<string, unknown>).BENCH_INSTRUMENTATION === "1" });
