/**
 * Events the worker reports after a D1 change it owns: a method added or removed (TOTP, email, SMS,
 * passkey) and recovery codes regenerated. Each goes through the user's UserGuard outbox, like the
 * events the object raises itself, so one pipeline stores, delivers and alerts. Adding or removing
 * a method also ends every device trust of the user (README "Trusted devices": trust is revoked
 * on factor changes).
 */
import type { EventInfo } from "../domain/events.ts";
import type { Services } from "./container.ts";

export type Actor = { tenantId: string; userId: string; info?: EventInfo; user?: Record<string, unknown> };

/** A method in FusionAuth's event shape (`method`); never a secret, address or number. */
export type EventMethod = { id: string; method: string; name?: string | null };

function context(a: Actor) {
  return { tenantId: a.tenantId, userId: a.userId, info: a.info ?? {}, ...(a.user ? { user: a.user } : {}) };
}

export async function methodAdded(s: Services, actor: Actor, method: EventMethod): Promise<void> {
  const m = { id: method.id, method: method.method, ...(method.name ? { name: method.name } : {}) };
  await s.guard(actor.tenantId, actor.userId).recordEvents(
    context(actor),
    [{ draft: { type: "user.two-factor.method.add", method: m }, alert: { kind: "method_added", factor: method.method, methodName: method.name ?? null } }],
    s.now(),
    { revokeTrusts: true },
  );
}

/** One event per removed method (FusionAuth emits per method), one alert for the change. */
export async function methodsRemoved(s: Services, actor: Actor, methods: EventMethod[]): Promise<void> {
  if (!methods.length) return;
  const events = methods.map((method, i) => ({
    draft: { type: "user.two-factor.method.remove" as const, method: { id: method.id, method: method.method, ...(method.name ? { name: method.name } : {}) } },
    ...(i === 0 ? { alert: { kind: "method_removed" as const, factor: methods.length === 1 ? method.method : "all methods", methodName: methods.length === 1 ? (method.name ?? null) : null } } : {}),
  }));
  await s.guard(actor.tenantId, actor.userId).recordEvents(context(actor), events, s.now(), { revokeTrusts: true });
}

export async function recoveryCodesRegenerated(s: Services, actor: Actor): Promise<void> {
  await s.guard(actor.tenantId, actor.userId).recordEvents(
    context(actor),
    [{ draft: { type: "user.two-factor.recovery-codes.regenerated" }, alert: { kind: "recovery_codes_regenerated" } }],
    s.now(),
  );
}
