/**
 * Consumed step-up proofs (src/domain/step-up.ts): `su:<SHA-256 of the trustToken's jti>` → the unix
 * second until which the consumption must be remembered (the token fails its age or expiry check
 * after that). Called inside one UserGuard RPC without awaiting, so of parallel requests carrying the
 * same proof exactly one consumes it. `su-not-before`: proofs issued before the user's last factor
 * change are refused (a step-up is scoped to the factors it was earned with).
 */
import { PROOF_NOT_BEFORE_KEY as NOT_BEFORE_KEY, PROOF_PREFIX as PREFIX } from "./keys.ts";

type Kv = SyncKvStorage;

/** True for the one call that consumes `proofKey`; false for every replay and for a revoked proof. Forgets expired entries. */
export function consumeProof(kv: Kv, proofKey: string, issuedAt: number, retainUntil: number, now: number): boolean {
  for (const [key, until] of kv.list<number>({ prefix: PREFIX })) if (until <= now) kv.delete(key);
  const notBefore = kv.get(NOT_BEFORE_KEY) as number | undefined;
  if (notBefore !== undefined && issuedAt < notBefore) return false;
  const key = PREFIX + proofKey;
  if (kv.get(key) !== undefined) return false;
  kv.put(key, retainUntil);
  return true;
}

/** A factor changed: every proof issued before `now` is dead. */
export function revokeProofs(kv: Kv, now: number): void {
  kv.put(NOT_BEFORE_KEY, now);
}
