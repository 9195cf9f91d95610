/**
 * The tenant's send cap split over shard buckets (pure), so a tenant's sends do not all queue
 * through one SendLimiter object. The cap is divided over `n` shards holding floor/ceil(cap/n)
 * sends each of the same sliding window; the shares sum to exactly the cap, so the tenant's total
 * never exceeds it. A send takes from one random shard and, if that one refuses, from one other
 * random shard ("power of two choices"), which keeps the shards draining evenly.
 *
 * Bound: the shards' sliding estimates add up to the tenant's, and each stays within its share, so
 * the tenant's sends stay within the cap in every window, as with one object (never over).
 * The cost is a bounded false refusal: a send is refused only when both shards it tried are empty,
 * so nothing is refused early while at most one shard is empty; at a refusal the sends left unused
 * are those still in the other n − 2 shards, at most (n − 2)·ceil(cap/n), and the even draining
 * keeps such refusals near the end of the budget. With n ≤ 2 every shard is tried, so the cap is exact; caps
 * below 3·MIN_SHARD_TOKENS get n ≤ 2.
 *
 * Owns: the shard count, the shares and the choice. Must never: read a clock or a random source
 * (callers pass random bytes) or name objects.
 */

/** At most this many shard objects per tenant. */
export const MAX_TENANT_SHARDS = 8;
/** Each shard holds at least this many sends, so a small cap is not scattered into near-empty shards. */
export const MIN_SHARD_TOKENS = 8;
/** Random bytes `pickShards` needs. */
export const SHARD_RANDOM_BYTES = 4;

/** How many shards a tenant cap of `cap` sends is split over (1..MAX_TENANT_SHARDS). */
export function shardCount(cap: number): number {
  return Math.max(1, Math.min(MAX_TENANT_SHARDS, Math.floor(cap / MIN_SHARD_TOKENS)));
}

/** Shard `k`'s share of `cap` over `n` shards: the first `cap mod n` shards hold one more. */
export function shardLimit(cap: number, n: number, k: number): number {
  return Math.floor(cap / n) + (k < cap % n ? 1 : 0);
}

/**
 * The shards a send tries, in order: one random shard, then one other (two distinct shards when
 * n ≥ 2). `random` holds SHARD_RANDOM_BYTES bytes; the modulo bias (≤ n/65,536) only skews load.
 */
export function pickShards(n: number, random: Uint8Array): number[] {
  if (n <= 1) return [0];
  const first = ((random[0]! << 8) | random[1]!) % n;
  const step = 1 + (((random[2]! << 8) | random[3]!) % (n - 1));
  return [first, (first + step) % n];
}
