/**
 * Events the worker reports after a D1 change it owns: a method added or removed (TOTP, email, SMS,
 * passkey) and recovery codes regenerated. Each goes through the user's UserGuard outbox, like the
 * events the object raises itself, so one pipeline stores, delivers and alerts. Adding or removing
 * a method also ends every device trust of the user (README "Trusted devices": trust is revoked
 * on factor changes).
 */
import type { EventInfo } from "../domain/events.ts";
import { alertRecipients } from "../domain/alert-recipients.ts";
import type { StepUpAction } from "../domain/step-up.ts";
import type { OutboxAlert } from "../storage/durable-objects/guard-events.ts";
import type { GuardApi, Services } from "./container.ts";
import { loadUser, toUserJson } from "./users.ts";

export type Actor = { tenantId: string; userId: string; info?: EventInfo; user?: Record<string, unknown> };

/** A method in FusionAuth's event shape (`method`); never a secret, address or number. */
export type EventMethod = { id: string; method: string; name?: string | null };

function context(a: Actor) {
  return { tenantId: a.tenantId, userId: a.userId, info: a.info ?? {}, ...(a.user ? { user: a.user } : {}) };
}

/**
 * The actor with its user JSON, read now when the caller had none (passkey paths): the event then
 * names its user, and its notice is addressed as the user is now, not when the outbox is flushed.
 */
async function withUser(s: Services, a: Actor): Promise<Actor> {
  if (a.user) return a;
  const loaded = await loadUser(s.db, a.tenantId, { by: "id", id: a.userId });
  return loaded ? { ...a, user: toUserJson(loaded.user, loaded.methods) } : a;
}

export async function methodAdded(s: Services, who: Actor, method: EventMethod): Promise<void> {
  const actor = await withUser(s, who);
  const m = { id: method.id, method: method.method, ...(method.name ? { name: method.name } : {}) };
  await s.guard(actor.tenantId, actor.userId).recordEvents(
    context(actor),
    [
      {
        draft: { type: "user.two-factor.method.add", method: m },
        alert: { kind: "method_added", factor: method.method, methodName: method.name ?? null },
      },
    ],
    s.now(),
    { revokeTrusts: true },
  );
}

/** One event per removed method (FusionAuth emits per method), one alert for the change. */
export async function methodsRemoved(s: Services, who: Actor, methods: EventMethod[]): Promise<void> {
  if (!methods.length) return;
  const actor = await withUser(s, who);
  const events = methods.map((method, i) => ({
    draft: {
      type: "user.two-factor.method.remove" as const,
      method: { id: method.id, method: method.method, ...(method.name ? { name: method.name } : {}) },
    },
    ...(i === 0
      ? {
          alert: {
            kind: "method_removed" as const,
            factor: methods.length === 1 ? method.method : "all methods",
            methodName: methods.length === 1 ? (method.name ?? null) : null,
          },
        }
      : {}),
  }));
  await s.guard(actor.tenantId, actor.userId).recordEvents(context(actor), events, s.now(), { revokeTrusts: true });
}

export async function recoveryCodesRegenerated(s: Services, actor: Actor): Promise<void> {
  await s.guard(actor.tenantId, actor.userId).recordEvents(
    context(actor),
    [
      {
        draft: { type: "user.two-factor.recovery-codes.regenerated" },
        alert: { kind: "recovery_codes_regenerated" },
      },
    ],
    s.now(),
  );
}

const CHANGE_LABELS: Partial<Record<StepUpAction, string>> = {
  "user:change-email": "email address",
  "user:change-phone": "phone number",
  "user:change-password": "password",
};

/**
 * A user update: FusionAuth's `user.update` (`original`, `user`), plus `user.email.update`
 * (`previousEmail`) and `user.password.update` when those changed. A change of email, phone or
 * password is announced to the addresses from BEFORE the change (so whoever changed the email cannot
 * silence it), and a new email address is told it was added.
 */
export async function userUpdated(
  s: Services,
  actor: Actor & { user: Record<string, unknown> },
  original: Record<string, unknown>,
  changes: StepUpAction[],
): Promise<void> {
  const labels = changes.map((c) => CHANGE_LABELS[c]).filter((l): l is string => !!l);
  const told: OutboxAlert | undefined = labels.length
    ? { kind: "account_changed", changes: labels, to: alertRecipients(original) }
    : undefined;
  const events: Parameters<GuardApi["recordEvents"]>[1] = [
    { draft: { type: "user.update", original }, ...(told ? { alert: told } : {}) },
  ];
  if (changes.includes("user:change-email")) {
    const added = typeof actor.user.email === "string" ? actor.user.email : null;
    events.push({
      draft: { type: "user.email.update", previousEmail: original.email ?? null },
      ...(added ? { alert: { kind: "email_address_added", to: { email: added, phone: null } } } : {}),
    });
  }
  if (changes.includes("user:change-password")) events.push({ draft: { type: "user.password.update" } });
  await s.guard(actor.tenantId, actor.userId).recordEvents(context(actor), events, s.now());
}
