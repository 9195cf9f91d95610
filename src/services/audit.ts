/**
 * The audit log: who changed what, when, before/after, from where. Console actions and API-key
 * changes both write here through `auditInsert`, batched with the change itself (one D1 batch is
 * atomic), so a change without its audit row, or an audit row without its change, cannot exist.
 *
 * Values are redacted before they are stored: any field whose name says it holds a secret is
 * replaced by "[redacted]" at any depth (a client secret, webhook secret, password, token, key
 * material, a hash of one). The name's last word decides, so a setting about a secret stays
 * readable: `accessTokenKeyId`, `trustTokenTimeToLiveInSeconds`, `refreshTokenUsagePolicy`.
 * A webhook's extra request `headers` are how its endpoint authenticates the sender, so every header
 * value is redacted whatever the header's name (the names stay, so a change still shows what changed).
 */
import { auditLog } from "../storage/d1/schema.ts";
import type { Services } from "./container.ts";

/** Who acted: an API key (by id) or a signed-in console admin (by user id). */
export type Actor = { kind: "apiKey"; id: string } | { kind: "user"; id: string; email?: string | null };

export type AuditEntry = {
  /** The tenant the change belongs to; null for a change outside any tenant. */
  tenantId: string | null;
  actor: Actor;
  /** Machine-readable action, `{object}.{verb}`, e.g. "tenant.update", "apiKey.delete", "user.two-factor.remove". */
  action: string;
  targetId?: string | null;
  /** Human-readable summary, e.g. "Updated tenant [Acme]". */
  message: string;
  oldValue?: unknown;
  newValue?: unknown;
  ipAddress?: string | null;
  source: "api" | "console";
};

/** A field whose name ends in one of these words holds a secret (`clientSecret`, `secretEnc`, `keyHash`, `refreshToken`). */
const SECRET_WORDS = new Set(["secret", "password", "token", "hash", "enc", "pepper"]);
/** Secrets whose last word alone does not say so (a public key, a key id and calling codes are not secrets); any name ending in "api key" is one too. */
const SECRET_NAMES = new Set([
  "key",
  "privatekey",
  "encryptionkey",
  "encryptionkeys",
  "recoverycodes",
  "twofactortrustid",
  // HTTP credentials (RFC 9110 §11.6.2, §11.7.2; RFC 6265 §5.4).
  "authorization",
  "proxyauthorization",
  "cookie",
]);

function isSecretField(name: string): boolean {
  const words = name.split(/(?<=[a-z0-9])(?=[A-Z])|[_\-\s]+/).map((w) => w.toLowerCase());
  const joined = words.join("");
  return SECRET_WORDS.has(words.at(-1) ?? "") || SECRET_NAMES.has(joined) || joined.endsWith("apikey");
}

/** Extra HTTP request headers (a webhook's): their values carry the endpoint's credentials. */
const HEADER_MAP = "headers";

/** A deep copy of `value` with secret-named fields replaced by "[redacted]". */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      out[k] =
        isSecretField(k) && v !== null && v !== undefined
          ? "[redacted]"
          : k === HEADER_MAP && v && typeof v === "object" && !Array.isArray(v)
            ? redactAll(v as Record<string, unknown>)
            : redact(v);
    return out;
  }
  return value;
}

function redactAll(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === null ? null : "[redacted]"]));
}

/** FusionAuth's `insertUser` text for an actor. */
export function actorName(actor: Actor): string {
  return actor.kind === "apiKey" ? `apiKey:${actor.id}` : `user:${actor.id}`;
}

/** The INSERT for one audit row, to put in the same `db.batch([...])` as the change. */
export function auditInsert(s: Services, e: AuditEntry) {
  return s.db.insert(auditLog).values({
    tenantId: e.tenantId,
    insertInstant: s.now() * 1000,
    insertUser: actorName(e.actor),
    message: e.message.slice(0, 512),
    data: {
      action: e.action,
      source: e.source,
      ...(e.targetId ? { targetId: e.targetId } : {}),
      ...(e.ipAddress ? { ipAddress: e.ipAddress } : {}),
      ...(e.actor.kind === "user" && e.actor.email ? { actorEmail: e.actor.email } : {}),
    },
    oldValue: e.oldValue === undefined ? null : redact(e.oldValue),
    newValue: e.newValue === undefined ? null : redact(e.newValue),
  });
}

/** Writes one audit row on its own (when the change is not a D1 write, e.g. a Durable Object unlock). */
export async function recordAudit(s: Services, e: AuditEntry): Promise<void> {
  await auditInsert(s, e);
}
