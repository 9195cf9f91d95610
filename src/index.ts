/** Worker entry: the Hono app and the Durable Object classes. Nothing else. */
import { env } from "cloudflare:workers";
import { createApp } from "./app.ts";
import { eventDepsFromEnv } from "./services/event-flush.ts";
import { noteAlarmRun } from "./services/instrumentation.ts";
import { UserGuard as UserGuardObject } from "./storage/durable-objects/user-guard.ts";

export { SendLimiter } from "./storage/durable-objects/send-limiter.ts";
export { DevOutbox } from "./storage/durable-objects/dev-outbox.ts";
export { PasskeyChallenge } from "./storage/durable-objects/ceremonies.ts";
export { OAuthSessions } from "./storage/durable-objects/oauth-sessions.ts";
export { WebhookDispatcher } from "./storage/durable-objects/webhook-dispatcher.ts";

/** The bound UserGuard: the storage-layer object plus its event flush I/O (D1, webhooks, mail, SMS) from the services. */
export class UserGuard extends UserGuardObject {
  protected override flushDeps() {
    return eventDepsFromEnv(this.env);
  }

  override async alarm(): Promise<void> {
    if ((this.env as unknown as Record<string, unknown>).BENCH_INSTRUMENTATION !== "1") return super.alarm();
    const start = Date.now();
    try {
      await super.alarm();
    } finally {
      noteAlarmRun(start, Date.now());
    }
  }
}

export default createApp({ bench: (env as unknown as Record<string, unknown>).BENCH_INSTRUMENTATION === "1" });
