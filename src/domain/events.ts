/**
 * Events in FusionAuth's names and envelope (pure). Every event is `{event: {id, type, createInstant,
 * tenantId, info, user?, applicationId?, …}}` (FusionAuth API docs, Webhook Events). The `id` is a UUID that
 * stays the same across webhook retries, so receivers can drop duplicates by it.
 *
 * Owns: the type names, the envelope shape and which events alert the user. Must never: carry a code,
 * a secret, a recovery code, a trust id or a twoFactorId (callers pass user JSON that has none).
 */

export const EVENT_TYPES = [
  "user.login.success",
  "user.login.failed",
  "user.login.new-device",
  "user.login.suspicious",
  "user.two-factor.method.add",
  "user.two-factor.method.remove",
  "user.two-factor.failed-attempt",
  "user.two-factor.success",
  "user.two-factor.recovery-code.used",
  "user.two-factor.recovery-codes.regenerated",
  /** Any user update (`original`, `user`); email and password changes also raise their own type. */
  "user.update",
  /** `previousEmail`, `user`. */
  "user.email.update",
  "user.password.update",
  /** A lock starting (`phase: "start"`) or lifted by an administrator (`phase: "cancel"`). */
  "user.action",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** FusionAuth's EventInfo: where the request came from. Location from Cloudflare's `request.cf`. */
export type EventInfo = {
  ipAddress?: string;
  userAgent?: string;
  deviceName?: string;
  deviceType?: string;
  deviceDescription?: string;
  os?: string;
  location?: {
    city?: string;
    country?: string;
    region?: string;
    zipcode?: string;
    latitude?: number;
    longitude?: number;
    displayString?: string;
  };
  data?: Record<string, unknown>;
};

/** The `event` object. Extra fields per type (method, threatsDetected, reason, action…) sit beside the common ones. */
export type EdgeEvent = {
  id: string;
  type: EventType;
  /** Milliseconds since the epoch, as FusionAuth's instants. */
  createInstant: number;
  tenantId: string;
  info: EventInfo;
  user?: Record<string, unknown>;
  applicationId?: string;
  [extra: string]: unknown;
};

/** The fields a caller supplies; id and createInstant are filled in. */
export type EventDraft = Omit<EdgeEvent, "id" | "createInstant"> & { id?: string };

export function buildEvent(
  draft: EventDraft,
  nowSeconds: number,
  newId: () => string = () => crypto.randomUUID(),
): EdgeEvent {
  const { id, ...rest } = draft;
  return { ...rest, id: id ?? newId(), createInstant: nowSeconds * 1000 } as EdgeEvent;
}
