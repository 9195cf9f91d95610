/**
 * TOTP matching and the replay guard inside the UserGuard: the last accepted time step per method
 * (`step:<methodId>`, RFC 6238 §5.2), kept for a while after the method is removed (`step-until:<methodId>`). Matching is the async phase (decrypt, HMAC) and writes nothing;
 * `acceptTotpStep` is the synchronous commit that re-checks the step before storing it.
 */
import { decryptSecret, type EncryptionKeyring } from "../../domain/crypto.ts";
import { base64UrlDecode } from "../../domain/encoding.ts";
import { matchTOTP } from "../../domain/totp.ts";
import { totpAad } from "./user-guard-ids.ts";
import type { TotpCandidate } from "./user-guard-types.ts";
import { RETIRED_STEP_PREFIX, retiredStepKey, stepKey } from "./keys.ts";

type Kv = SyncKvStorage;
export type TotpMatch = { methodId: string; step: number };

/**
 * The async phase's answer: the match, or whether `code` was valid only at steps already accepted
 * (a replay: refused like a wrong code, but reported with its reason; OWASP ASVS 4.0.3 2.8.5).
 */
export type TotpLookup = { match: TotpMatch | null; replayed: boolean };

/**
 * Async phase: the first candidate whose key matches `code` at a step not yet accepted, unless any
 * candidate saw `code` at a step it already accepted. One code is spent once per user, not once per
 * method: two methods can hold the same key (the enable API takes the secret), and the second must
 * not accept what the first has just accepted (RFC 6238 §5.2).
 */
export async function findTotpMatch(
  kv: Kv,
  keyring: EncryptionKeyring,
  candidates: TotpCandidate[],
  code: string,
  now: number,
  owner: string | null,
): Promise<TotpLookup> {
  let replayed = false;
  let match: TotpMatch | null = null;
  if (!/^\d{6}$/.test(code)) return { match, replayed };
  for (const cand of candidates) {
    const key = cand.secret
      ? base64UrlDecode(cand.secret)
      : await decryptSecret(keyring, cand.secretEnc!, totpAad(owner ?? cand.owner!, cand.methodId));
    const last = (kv.get(stepKey(cand.methodId)) as number | undefined) ?? null;
    const result = await matchTOTP(key, code, now, last);
    if (result.ok) match ??= { methodId: cand.methodId, step: result.step };
    else if (result.reason === "replayed") replayed = true;
  }
  return replayed ? { match: null, replayed } : { match, replayed };
}

/** Commit phase: accepts the step only if it is newer than the last accepted one. */
export function acceptTotpStep(kv: Kv, match: TotpMatch): boolean {
  const last = kv.get(stepKey(match.methodId)) as number | undefined;
  if (last !== undefined && match.step <= last) return false;
  kv.put(stepKey(match.methodId), match.step);
  // A new method that drew a removed one's id owns the record now: the sweep must not forget it.
  kv.delete(retiredStepKey(match.methodId));
  return true;
}

/**
 * A removed method's last step is kept until `until`, not forgotten: a challenge that snapshotted the
 * method before its removal must not accept the code that removed it (RFC 6238 §5.2, one use per step).
 */
export function retireTotpSteps(kv: Kv, methodIds: string[], until: number): void {
  for (const id of methodIds) kv.put(retiredStepKey(id), until);
}

/** Forgets the steps of removed methods whose retention ended. */
export function sweepRetiredSteps(kv: Kv, now: number): void {
  for (const [key, until] of kv.list<number>({ prefix: RETIRED_STEP_PREFIX })) {
    if (until > now) continue;
    kv.delete(key);
    kv.delete(stepKey(key.slice(RETIRED_STEP_PREFIX.length)));
  }
}
