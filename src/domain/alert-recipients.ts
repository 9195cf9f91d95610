/**
 * Where a security notice goes (pure): the account's email, else its email method's address, and
 * its SMS method's number. Worked out from the user as it is when the event is queued, and stored
 * with the outbox entry, so a later change of address cannot redirect a notice already waiting
 * (OWASP ASVS v4.0.3 V2.2.3: notify after updates to authentication details).
 *
 * Owns: the choice of addresses from a user's FusionAuth JSON. Must never: read storage.
 */

export type AlertRecipients = { email: string | null; phone: string | null };

type MethodLike = { method?: unknown; email?: unknown; mobilePhone?: unknown };
type UserLike = { email?: unknown; twoFactor?: { methods?: MethodLike[] } | unknown };

const text = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

/** The notice addresses of a user (FusionAuth user JSON, or the same fields read from storage). */
export function alertRecipients(user: UserLike): AlertRecipients {
  const tf = user.twoFactor as { methods?: unknown } | undefined;
  const methods: MethodLike[] = Array.isArray(tf?.methods) ? (tf.methods as MethodLike[]) : [];
  const emailMethod = methods.find((m) => m.method === "email" && text(m.email));
  const smsMethod = methods.find((m) => m.method === "sms" && text(m.mobilePhone));
  return { email: text(user.email) ?? text(emailMethod?.email), phone: text(smsMethod?.mobilePhone) };
}
