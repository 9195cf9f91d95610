/**
 * Recovery codes at rest: only keyed hashes, bound to tenant and user. Consumption is one conditional
 * UPDATE whose `changes` must be exactly 1, so two parallel uses of one code cannot both succeed
 * (D1 has no interactive transactions; NIST SP 800-63B §5.1.2.2: a look-up secret is used once).
 */
import { and, eq, isNull, notExists } from "drizzle-orm";
import { generateRecoveryCodes, normalizeRecoveryCode } from "../domain/recovery-codes.ts";
import { mfaMethods, recoveryCodes } from "../storage/d1/schema.ts";
import type { Services } from "./container.ts";
import { keyedHash } from "./hashing.ts";
import { rowsChanged } from "../storage/d1/results.ts";

export function hashRecoveryCode(s: Services, tenantId: string, userId: string, canonical: string): Promise<string> {
  return keyedHash(s.pepper, "recovery-code", tenantId, userId, canonical);
}

/**
 * The statement that deletes the user's codes when the user has no method left. Recovery codes go
 * with the last method; a request that decided "not the last" (or "has a method") from the user it
 * loaded earlier can race another, so the rule is checked by D1 inside the batch, not by the caller
 * (OWASP ASVS 4.0.3 §11.1.6). Put it after the batch's method and code writes.
 */
export function dropOrphanRecoveryCodes(s: Services, userId: string) {
  return s.db
    .delete(recoveryCodes)
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        notExists(s.db.select({ id: mfaMethods.id }).from(mfaMethods).where(eq(mfaMethods.userId, userId))),
      ),
    );
}

/** Fresh codes and the statements that replace the user's set (run them in the caller's batch, after any method insert). */
export async function newRecoveryCodeSet(s: Services, tenantId: string, userId: string) {
  const codes = generateRecoveryCodes(s.random);
  const now = s.now();
  const rows = await Promise.all(
    codes.map(async (code) => ({
      userId,
      tenantId,
      codeHash: await hashRecoveryCode(s, tenantId, userId, code),
      usedAt: null,
      createdAt: now,
    })),
  );
  const statements = [
    s.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    s.db.insert(recoveryCodes).values(rows),
    // A regeneration that committed after the last method went leaves nothing behind.
    dropOrphanRecoveryCodes(s, userId),
  ] as const;
  return { codes, statements };
}

/** Consumes one unused recovery code atomically; false for anything else (unknown, used, malformed). */
export async function consumeRecoveryCode(
  s: Services,
  tenantId: string,
  userId: string,
  input: string,
): Promise<boolean> {
  const canonical = normalizeRecoveryCode(input);
  if (!canonical) return false;
  const hash = await hashRecoveryCode(s, tenantId, userId, canonical);
  const res = await s.db
    .update(recoveryCodes)
    .set({ usedAt: s.now() })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.tenantId, tenantId),
        eq(recoveryCodes.codeHash, hash),
        isNull(recoveryCodes.usedAt),
      ),
    );
  return rowsChanged(res) === 1;
}
