/**
 * OAuthSessions: one Durable Object per (tenant, user), `idFromName("{tenantId}:{userId}")`, holding
 * the user's OAuth 2.0 state that must be single-use or revocable atomically: authorization codes
 * (RFC 6749 §4.1.2: single use, short-lived), refresh tokens (RFC 6749 §6, rotation per RFC 9700
 * §4.14.2) and hosted-login SSO sessions. Per user, never per tenant: no tenant-wide serial point.
 *
 * Every record is stored under the SHA-256 (hex) of its secret, never the secret itself, with an
 * expiry; the alarm sweeps expired records. Methods run without awaiting anything between read and
 * write, so the input gate makes each of them atomic: two parallel `take`s of one key cannot both
 * succeed.
 *
 * `take` leaves a `used` marker behind (until the record's own expiry, at least REPLAY_MEMORY_SECONDS):
 * a second `take` of the same key answers `replayed` with the marker, which lists what the first use
 * issued (`noteIssued`), so the caller can revoke it (RFC 6749 §4.1.2: "the authorization server
 * SHOULD revoke … all tokens previously issued based on that authorization code").
 */
import { DurableObject } from "cloudflare:workers";

/** Kinds of records; the storage key is `{kind}:{sha256 hex}`. */
export type SessionKind = "code" | "refresh" | "sso";

export type StoredRecord<T> = { value: T; expiresAt: number };
export type UsedMarker = { at: number; expiresAt: number; issued: string[] };

export type TakeResult<T> =
  | { status: "ok"; value: T }
  | { status: "replayed"; issued: string[] }
  | { status: "missing" };

/** How long a consumed code's marker outlives a short-lived record, so a late replay still revokes. */
export const REPLAY_MEMORY_SECONDS = 600;

const USED = "used:";

function key(kind: SessionKind, hash: string): string {
  return `${kind}:${hash}`;
}

export class OAuthSessions extends DurableObject<Env> {
  get #kv() {
    return this.ctx.storage.kv;
  }

  /** Stores a record (replacing any under the same key) and schedules the sweep. */
  async put<T>(kind: SessionKind, hash: string, value: T, expiresAt: number): Promise<void> {
    this.#kv.put(key(kind, hash), { value, expiresAt } satisfies StoredRecord<T>);
    await this.#scheduleSweep(expiresAt);
  }

  /** The live record, or null when absent or expired. Does not consume. */
  async get<T>(kind: SessionKind, hash: string, now: number): Promise<T | null> {
    const rec = this.#kv.get(key(kind, hash)) as StoredRecord<T> | undefined;
    return rec && rec.expiresAt > now ? rec.value : null;
  }

  /** Reads and deletes a record in one step, leaving a `used` marker (see the header). */
  async take<T>(kind: SessionKind, hash: string, now: number): Promise<TakeResult<T>> {
    const k = key(kind, hash);
    const rec = this.#kv.get(k) as StoredRecord<T> | undefined;
    if (!rec) {
      const used = this.#kv.get(USED + k) as UsedMarker | undefined;
      return used && used.expiresAt > now ? { status: "replayed", issued: used.issued } : { status: "missing" };
    }
    this.#kv.delete(k);
    const expiresAt = Math.max(rec.expiresAt, now + REPLAY_MEMORY_SECONDS);
    this.#kv.put(USED + k, { at: now, expiresAt, issued: [] } satisfies UsedMarker);
    if (rec.expiresAt <= now) return { status: "missing" };
    return { status: "ok", value: rec.value };
  }

  /** Records what a consumed record's use issued (e.g. a refresh token's hash), for revocation on replay. */
  async noteIssued(kind: SessionKind, hash: string, issued: string): Promise<void> {
    const k = USED + key(kind, hash);
    const used = this.#kv.get(k) as UsedMarker | undefined;
    if (used) this.#kv.put(k, { ...used, issued: [...used.issued, issued] });
  }

  /** Deletes one record; true when it existed. */
  async delete(kind: SessionKind, hash: string): Promise<boolean> {
    return this.#kv.delete(key(kind, hash));
  }

  /** Live records of a kind, for lists (the caller decides which fields to show). */
  async list<T>(kind: SessionKind, now: number): Promise<{ hash: string; value: T; expiresAt: number }[]> {
    const out: { hash: string; value: T; expiresAt: number }[] = [];
    for (const [k, rec] of this.#kv.list<StoredRecord<T>>({ prefix: `${kind}:` }))
      if (rec.expiresAt > now) out.push({ hash: k.slice(kind.length + 1), value: rec.value, expiresAt: rec.expiresAt });
    return out;
  }

  /** Deletes every record of the given kinds (all when none given): logout everywhere, password change. */
  async revokeAll(kinds: SessionKind[] = ["code", "refresh", "sso"]): Promise<number> {
    let n = 0;
    for (const kind of kinds)
      for (const [k] of this.#kv.list({ prefix: `${kind}:` })) {
        this.#kv.delete(k);
        n++;
      }
    return n;
  }

  async #scheduleSweep(expiresAt: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    const at = (expiresAt + 1) * 1000;
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Sweeps expired records and markers, then re-arms for the next expiry. */
  override async alarm(): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    let next = Number.POSITIVE_INFINITY;
    for (const [k, rec] of this.#kv.list<{ expiresAt: number }>()) {
      if (rec.expiresAt <= now) this.#kv.delete(k);
      else next = Math.min(next, rec.expiresAt);
    }
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm((next + 1) * 1000);
  }
}
