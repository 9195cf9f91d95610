/**
 * Delivering email and SMS codes: the send caps that live outside the user's object (SendLimiter
 * buckets per destination, client IP and tenant), the message, the provider call and the mapping of
 * its outcome onto API errors.
 *
 * Order (NIST SP 800-63B §5.2.2 rate limiting): every throttle is decided and every counter moved
 * before the provider is called. A send refused by a later throttle gives back what earlier ones
 * took; a failed delivery gives back nothing (the provider may have sent the message), so a retry
 * waits for the resend cooldown like any other send.
 *
 * Never: put a code, a provider's text or a credential into a response or a log line.
 */
import { deliveryFactor } from "../factors/registry.ts";
import type { SendOutcome } from "../adapters/http.ts";
import { canonicalDestination, maskDestination, type Channel } from "../domain/destination.ts";
import { lifetimeMinutes, renderEmail, renderSms } from "../domain/message-template.ts";
import { ApiError } from "../errors.ts";
import { SEND_WINDOW_SECONDS, type TenantSettings } from "../settings.ts";
import type { SendCommit, SendVerdict } from "../storage/durable-objects/oob-codes.ts";
import type { LimiterVerdict } from "../objects/send-limiter.ts";
import type { TenantRow } from "../storage/d1/schema.ts";
import { pickShards, SHARD_RANDOM_BYTES, shardCount, shardLimit } from "../domain/tenant-shards.ts";
import type { Services } from "./container.ts";
import { keyedHash } from "./hashing.ts";

export type BucketScope = "destination" | "ip" | "tenant";
/** One throttle; a send takes from the first of `choices` that admits it (several only for the tenant's shards). */
type Bucket = { scope: BucketScope; choices: { name: string; limit: number }[] };
type Receipt = { name: string; window: number };

/** The field a destination problem is reported on, as FusionAuth names it. */
export function destinationField(channel: Channel): "email" | "mobilePhone" {
  return deliveryFactor(channel).method.field.name;
}

/** Who and where one send goes: what its throttles are keyed on. `clientIp` is null for an API-key caller. */
export type SendScope = {
  settings: TenantSettings;
  tenantId: string;
  channel: Channel;
  destination: string;
  clientIp: string | null;
};

/** The SendLimiter buckets of one send. The IP bucket only for anonymous requests (an API-key caller is the tenant's server). */
async function bucketsFor(
  s: Services,
  { settings, tenantId, channel, destination, clientIp }: SendScope,
): Promise<Bucket[]> {
  const limits = settings.multiFactorConfiguration.sendLimits;
  // Destination buckets are named by a keyed hash: object names never carry a phone number or an address.
  const dest = await keyedHash(s.pepper, "send-bucket", channel, canonicalDestination(channel, destination));
  const out: Bucket[] = [
    { scope: "destination", choices: [{ name: `dest:${dest}`, limit: limits.perDestinationPerHour }] },
  ];
  if (clientIp) out.push({ scope: "ip", choices: [{ name: clientIp, limit: limits.perIpPerHour }] });
  out.push({ scope: "tenant", choices: tenantShards(s, tenantId, limits.perTenantPerHour) });
  return out;
}

/**
 * The tenant cap is split over shard objects (src/domain/tenant-shards.ts) so a tenant's sends do
 * not serialise through one object: two distinct random shards, each with its share of the cap.
 */
function tenantShards(s: Services, tenantId: string, cap: number): Bucket["choices"] {
  const n = shardCount(cap);
  return pickShards(n, s.random(SHARD_RANDOM_BYTES)).map((k) => ({
    name: `tenant:${tenantId}:shard:${k}`,
    limit: shardLimit(cap, n, k),
  }));
}

type Taken = { name: string; v: LimiterVerdict };

/** Takes one send from the first choice that admits it; a refusal reports the soonest retry among those tried. */
async function takeOne(s: Services, b: Bucket, now: number): Promise<Taken> {
  let refusal: { name: string; v: Extract<LimiterVerdict, { ok: false }> } | undefined;
  for (const c of b.choices) {
    const v = await s.limiter(c.name).take(c.limit, SEND_WINDOW_SECONDS, now);
    if (v.ok) return { name: c.name, v };
    if (!refusal || v.retryAfterSeconds < refusal.v.retryAfterSeconds) refusal = { name: c.name, v };
  }
  return refusal!;
}

export function rateLimited(scope: string, retryAfterSeconds: number): ApiError {
  return ApiError.tooManyRequests("Too many codes were requested. Try again later.", scope, retryAfterSeconds);
}

/** Takes one send from each bucket, all or nothing: when one refuses, the others are given back. */
export async function takeBuckets(s: Services, scope: SendScope, now: number): Promise<Receipt[]> {
  const { tenantId, channel } = scope;
  const buckets = await bucketsFor(s, scope);
  const taken = await Promise.all(buckets.map((b) => takeOne(s, b, now)));
  const verdicts: LimiterVerdict[] = taken.map((t) => t.v);
  // A receipt names the object that admitted the send (for the tenant: the shard), so a refund goes back there.
  const receipts = taken.flatMap((t) => (t.v.ok ? [{ name: t.name, window: t.v.window }] : []));
  const refused = buckets.map((b, i) => ({ b, v: verdicts[i]! })).filter((x) => !x.v.ok);
  if (refused.length === 0) return receipts;
  await refundBuckets(s, receipts, now);
  const worst = refused.reduce((a, x) =>
    (x.v.ok ? 0 : x.v.retryAfterSeconds) > (a.v.ok ? 0 : a.v.retryAfterSeconds) ? x : a,
  );
  console.warn(JSON.stringify({ level: "warn", msg: "code send throttled", scope: worst.b.scope, tenantId, channel }));
  throw rateLimited(worst.b.scope, worst.v.ok ? 1 : worst.v.retryAfterSeconds);
}

export async function refundBuckets(s: Services, receipts: Receipt[], now: number): Promise<void> {
  await Promise.all(receipts.map((r) => s.limiter(r.name).refund(r.window, SEND_WINDOW_SECONDS, now)));
}

/** What the user's object needs to count a send and store its code. */
export function sendCommit(settings: TenantSettings, codeHash: string, now: number): SendCommit {
  const l = settings.multiFactorConfiguration.sendLimits;
  return {
    codeHash,
    codeTtlSeconds: settings.externalIdentifierConfiguration.twoFactorOneTimeCodeIdTimeToLiveInSeconds,
    caps: {
      perChallenge: l.perChallenge,
      perUserPerHour: l.perUserPerHour,
      resendCooldownSeconds: l.resendCooldownSeconds,
      windowSeconds: SEND_WINDOW_SECONDS,
    },
    now,
  };
}

/** The API error for a send the user's object refused. */
export function sendRefusal(v: Exclude<SendVerdict, { status: "sent" | "target" }>, methodGiven: boolean): ApiError {
  switch (v.status) {
    case "not_found":
      return ApiError.notFound();
    case "locked":
      return ApiError.locked(v.actions);
    case "unknown_method":
      return methodGiven
        ? ApiError.field("methodId", "invalid", "The method does not exist or cannot receive codes.")
        : ApiError.field("methodId", "blank", "You must specify [methodId].");
    case "throttled":
      console.warn(JSON.stringify({ level: "warn", msg: "code send throttled", scope: v.scope }));
      return rateLimited(v.scope, v.retryAfterSeconds);
  }
}

/** Refuses before any counter moves when no sender is configured for the channel. */
export function requireSender(s: Services, channel: Channel): void {
  if (channel === "email" ? s.senders.mail : s.senders.sms) return;
  console.error(
    JSON.stringify({
      level: "error",
      msg: `${channel === "email" ? "MAIL_PROVIDER" : "SMS_PROVIDER"} is none: cannot send codes`,
      channel,
    }),
  );
  throw new ApiError("provider_misconfigured", {
    generalErrors: [{ code: "[ProviderMisconfigured]", message: "Codes cannot be delivered right now." }],
  });
}

export type Delivery = {
  tenant: TenantRow;
  settings: TenantSettings;
  userId: string;
  purpose: "challenge" | "enable" | "disable";
  channel: Channel;
  destination: string;
  code: string;
  /** How long the code lives (for the message and the SMS validity period). */
  ttlSeconds: number;
};

/** Renders the tenant's message, calls the provider once (with its own bounded retries), maps the outcome. */
export async function deliverCode(s: Services, d: Delivery): Promise<void> {
  const values = { code: d.code, minutes: lifetimeMinutes(d.ttlSeconds), tenantName: d.tenant.name };
  const idempotencyKey = `edge-mfa-${crypto.randomUUID()}`;
  const mfa = d.settings.multiFactorConfiguration;
  let outcome: SendOutcome;
  let provider: string;
  if (d.channel === "email") {
    const mail = s.senders.mail!;
    provider = mail.provider;
    outcome = await mail.send(
      { to: d.destination, from: s.senders.mailFrom, ...renderEmail(mfa.email.template, values) },
      { idempotencyKey },
    );
  } else {
    const sms = s.senders.sms!;
    provider = sms.provider;
    outcome = await sms.send(
      { to: d.destination, body: renderSms(mfa.sms.template, values), validitySeconds: d.ttlSeconds },
      { idempotencyKey },
    );
  }
  const log = {
    msg: "code send",
    provider,
    channel: d.channel,
    purpose: d.purpose,
    tenantId: d.tenant.id,
    userId: d.userId,
    to: maskDestination(d.channel, d.destination),
  };
  if (outcome.ok) {
    console.info(JSON.stringify({ level: "info", ...log, outcome: "sent" }));
    return;
  }
  throw deliveryError(outcome, d, log);
}

function deliveryError(o: Extract<SendOutcome, { ok: false }>, d: Delivery, log: Record<string, unknown>): ApiError {
  const field = destinationField(d.channel);
  const entry = { ...log, outcome: o.kind, status: o.status, providerCode: o.providerCode };
  const fieldError = (type: string, message: string) =>
    new ApiError("provider_rejected", { fieldErrors: { [field]: [{ code: `[${type}]${field}`, message }] } });
  // A retry is possible once the provider says so and the resend cooldown has passed (the failed send used it).
  const retryAfter = String(
    Math.max(o.retryAfterSec ?? 0, d.settings.multiFactorConfiguration.sendLimits.resendCooldownSeconds, 1),
  );
  switch (o.kind) {
    case "invalid_recipient":
      console.warn(JSON.stringify({ level: "warn", ...entry }));
      return fieldError(
        "invalid",
        `The provider cannot deliver to this ${d.channel === "email" ? "address" : "number"}.`,
      );
    case "suppressed":
      console.warn(JSON.stringify({ level: "warn", ...entry }));
      return fieldError(
        "suppressed",
        "The recipient has opted out of these messages or is on the provider's suppression list.",
      );
    case "region_blocked":
      console.warn(JSON.stringify({ level: "warn", ...entry }));
      return fieldError("notAllowed", "Messages to this country or region are not allowed.");
    case "rate_limited":
    case "transient":
      console.warn(JSON.stringify({ level: "warn", ...entry }));
      return new ApiError(
        "provider_unavailable",
        {
          generalErrors: [
            { code: "[ProviderUnavailable]", message: "The code could not be sent right now. Try again later." },
          ],
        },
        { "retry-after": retryAfter },
      );
    case "auth":
    case "misconfigured":
    case "rejected":
      // The operator's problem: credentials, sender or account settings, or a request the provider no longer accepts.
      console.error(JSON.stringify({ level: "error", ...entry, action: "check the provider configuration" }));
      return new ApiError("provider_misconfigured", {
        generalErrors: [{ code: "[ProviderMisconfigured]", message: "Codes cannot be delivered right now." }],
      });
  }
}
