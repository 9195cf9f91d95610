/**
 * Consumed step-up proofs (src/domain/step-up.ts): `su:<SHA-256 of the trustToken's jti>` → the unix
 * second until which the consumption must be remembered (the token fails its age or expiry check
 * after that). Called inside one UserGuard RPC without awaiting, so of parallel requests carrying the
 * same proof exactly one consumes it.
 */
type Kv = SyncKvStorage;

const PREFIX = "su:";

/** True for the one call that consumes `proofKey`; false for every replay. Forgets expired entries. */
export function consumeProof(kv: Kv, proofKey: string, retainUntil: number, now: number): boolean {
  for (const [key, until] of kv.list<number>({ prefix: PREFIX })) if (until <= now) kv.delete(key);
  const key = PREFIX + proofKey;
  if (kv.get(key) !== undefined) return false;
  kv.put(key, retainUntil);
  return true;
}
