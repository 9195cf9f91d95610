/**
 * Recovery codes at rest: only keyed hashes, bound to tenant and user. Consumption is one conditional
 * UPDATE whose `changes` must be exactly 1, so two parallel uses of one code cannot both succeed
 * (D1 has no interactive transactions; NIST SP 800-63B §5.1.2.2: a look-up secret is used once).
 */
import { and, eq, isNull } from "drizzle-orm";
import { generateRecoveryCodes, normalizeRecoveryCode } from "../domain/recovery-codes.ts";
import { recoveryCodes } from "../storage/d1/schema.ts";
import type { Services } from "./container.ts";
import { keyedHash } from "./hashing.ts";
import { rowsChanged } from "../storage/d1/results.ts";

export function hashRecoveryCode(s: Services, tenantId: string, userId: string, canonical: string): Promise<string> {
  return keyedHash(s.pepper, "recovery-code", tenantId, userId, canonical);
}

/** Fresh codes and the statements that replace the user's set (run them in the caller's batch). */
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
