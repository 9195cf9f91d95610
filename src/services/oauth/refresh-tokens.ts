/**
 * Refresh tokens (RFC 6749 §6): handles on the user's OAuthSessions object (grants.ts format, 86
 * characters), the record stored under SHA-256 of the secret. A token belongs to a family — every
 * token rotated from one authorization code — so a replay can revoke them all.
 *
 * - `Reusable`: the same token answers until it expires.
 * - `OneTimeUse`: `take` consumes it atomically and a new token of the same family is issued, with the
 *   family's original expiry (FusionAuth's Fixed expiration). Presenting a consumed token again revokes
 *   the family (RFC 9700 §4.14.2): its live tokens are deleted and a family tombstone makes any token
 *   of it that a racing rotation still issues fail at its first use.
 */
import type { SessionsApi, Services } from "../container.ts";
import { issueHandle, parseHandle } from "./grants.ts";
import type { TokenSubject } from "./oauth-tokens.ts";

export type RefreshRecord = TokenSubject & {
  /** `refresh_token_id` (and the access token's `sid`). */
  id: string;
  family: string;
  applicationId: string;
  /** Unix seconds; the family's fixed end of life. */
  expiresAt: number;
};

type Tombstone = { revokedFamily: string };

/** What a consumed code or refresh token records about what it issued (OAuthSessions `noteIssued`). */
export function familyNote(family: string): string {
  return `family:${family}`;
}

function tombstoneKey(family: string): string {
  return `revoked-family:${family}`;
}

export async function issueRefreshToken(
  s: Services,
  record: Omit<RefreshRecord, "id">,
): Promise<{ token: string; id: string }> {
  const id = crypto.randomUUID();
  const { handle } = await issueHandle(
    s,
    record.tenantId,
    record.userId,
    "refresh",
    { ...record, id },
    record.expiresAt,
  );
  return { token: handle, id };
}

/** Revokes every live token of the families named in `issued` notes (a replayed code or refresh token). */
export async function revokeFamilies(s: Services, store: SessionsApi, issued: string[]): Promise<void> {
  const families = issued.filter((n) => n.startsWith("family:")).map((n) => n.slice("family:".length));
  if (families.length === 0) return;
  const now = s.now();
  const live = await store.list<RefreshRecord | Tombstone>("refresh", now);
  for (const family of families) {
    const members = live.filter((r) => (r.value as RefreshRecord).family === family);
    const until = Math.max(now + 60, ...members.map((m) => m.expiresAt));
    await store.put<Tombstone>("refresh", tombstoneKey(family), { revokedFamily: family }, until);
    for (const m of members) await store.delete("refresh", m.hash);
  }
}

export type RefreshLookup =
  | { status: "ok"; record: RefreshRecord; store: SessionsApi; hash: string }
  | { status: "missing" };

/** The live token's record (not consumed), or missing; a replayed one-time token revokes its family here. */
export async function lookupRefreshToken(s: Services, token: string): Promise<RefreshLookup> {
  const h = await parseHandle(token);
  const store = h ? s.sessionsById(h.doId) : null;
  if (!h || !store) return { status: "missing" };
  const now = s.now();
  const record = await store.get<RefreshRecord>("refresh", h.hash, now);
  if (!record || !("family" in record)) {
    // Consumed before? `take` of a missing record changes nothing and tells a replay apart.
    const r = await store.take<RefreshRecord>("refresh", h.hash, now);
    if (r.status === "replayed") await revokeFamilies(s, store, r.issued);
    return { status: "missing" };
  }
  if (await store.get<Tombstone>("refresh", tombstoneKey(record.family), now)) {
    await store.delete("refresh", h.hash);
    return { status: "missing" };
  }
  return { status: "ok", record, store, hash: h.hash };
}

/**
 * Rotates a one-time token: exactly one caller wins the `take`; the winner gets a new token of the
 * family (noted on the old one's marker before it exists, so a replay racing the rotation revokes it
 * too); a loser's presentation is a replay and revokes the family.
 */
export async function rotateRefreshToken(
  s: Services,
  found: Extract<RefreshLookup, { status: "ok" }>,
): Promise<{ token: string; id: string } | null> {
  const r = await found.store.take<RefreshRecord>("refresh", found.hash, s.now());
  // A lost race is a reuse of the token: the family is known from the lookup even before the winner noted it.
  if (r.status === "replayed") await revokeFamilies(s, found.store, [familyNote(found.record.family)]);
  if (r.status !== "ok") return null;
  await found.store.noteIssued("refresh", found.hash, familyNote(r.value.family));
  const { id: _old, ...rest } = r.value;
  return issueRefreshToken(s, rest);
}
