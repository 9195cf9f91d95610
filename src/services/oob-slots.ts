/**
 * Names shared by the send and verify paths of email and SMS codes: which methods a challenge can
 * send to, and the UserGuard slot an enable/disable code is stored under (oob-codes.ts).
 */
import type { OobTarget } from "../storage/durable-objects/user-guard-types.ts";

type MethodLike = { id: string; method: string; email: string | null; mobilePhone: string | null };

/** The email/SMS methods (with their destination) a challenge snapshots for `POST /api/two-factor/send/{id}`. */
export function oobTargets(methods: MethodLike[]): OobTarget[] {
  const out: OobTarget[] = [];
  for (const m of methods) {
    if (m.method === "email" && m.email) out.push({ methodId: m.id, channel: "email", destination: m.email });
    if (m.method === "sms" && m.mobilePhone) out.push({ methodId: m.id, channel: "sms", destination: m.mobilePhone });
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
