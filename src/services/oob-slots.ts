/**
 * Names shared by the send and verify paths of email and SMS codes: which methods a challenge can
 * send to, and the UserGuard slot an enable/disable code is stored under (oob-codes.ts).
 */
import { factorOf } from "../factors/registry.ts";
import type { StoredMethod } from "../factors/types.ts";
import type { OobTarget } from "../storage/durable-objects/user-guard-types.ts";

type MethodLike = StoredMethod;

/** The email/SMS methods (with their destination) a challenge snapshots for `POST /api/two-factor/send/{id}`. */
export function oobTargets(methods: MethodLike[]): OobTarget[] {
  const out: OobTarget[] = [];
  for (const m of methods) {
    const f = factorOf(m.method);
    if (f?.method?.challengeCarries !== "send-target" || f.delivery === "none") continue;
    const destination = f.method.destination(m);
    if (destination) out.push({ methodId: m.id, channel: f.delivery, destination });
  }
  return out;
}

/** The slot of a code that enables a new email or SMS method. */
export function enableSlot(channel: "email" | "sms"): string {
  return `enable:${channel}`;
}

/** The slot of a code that disables the email or SMS method `methodId`. */
export function disableSlot(methodId: string): string {
  return `disable:${methodId}`;
}
