/**
 * Consumed step-up proofs (src/domain/step-up.ts): `su:<SHA-256 of the trustToken's jti>` → the unix
 * second until which the consumption must be remembered (the token fails its age or expiry check
 * after that). Called inside one UserGuard RPC without awaiting, so of parallel requests carrying the
 * same proof exactly one consumes it. `su-epoch`: every factor change moves the user's proof epoch on,
 * and a proof (a trustToken's `sep` claim, the epoch its challenge completed in) is consumed only in
 * that epoch, so proofs earned before the change are refused (a step-up is scoped to the factors it
 * was earned with) — also within the same second, which a whole-second `iat` could not order.
 */
import { PROOF_EPOCH_KEY as EPOCH_KEY, PROOF_PREFIX as PREFIX } from "./keys.ts";

type Kv = SyncKvStorage;

/** True for the one call that consumes `proofKey`; false for every replay and for a revoked proof. Forgets expired entries. */
export function consumeProof(kv: Kv, proofKey: string, epoch: number, retainUntil: number, now: number): boolean {
  for (const [key, until] of kv.list<number>({ prefix: PREFIX })) if (until <= now) kv.delete(key);
  if (epoch !== proofEpoch(kv)) return false;
  const key = PREFIX + proofKey;
  if (kv.get(key) !== undefined) return false;
  kv.put(key, retainUntil);
  return true;
}

/** The epoch a proof earned now belongs to (read in the completion's commit phase). */
export function proofEpoch(kv: Kv): number {
  return (kv.get(EPOCH_KEY) as number | undefined) ?? 0;
}

/** A factor changed: every proof earned so far is dead. */
export function revokeProofs(kv: Kv): void {
  kv.put(EPOCH_KEY, proofEpoch(kv) + 1);
}
