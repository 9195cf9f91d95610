/**
 * Signing key generation and deletion, shared by /api/key and the admin console; each change and
 * its audit row are one D1 batch. Only public metadata is audited (never the sealed private half).
 */
import { and, eq, sql } from "drizzle-orm";
import { ApiError } from "../../errors.ts";
import { constraintViolation } from "../../storage/d1/results.ts";
import { signingKeys, type SigningKeyRow } from "../../storage/d1/schema.ts";
import type { Services } from "../container.ts";
import { newSigningKey, type KeyAlgorithm } from "../signing-keys.ts";
import { auditedChange, auditSubject, type ChangeContext } from "./context.ts";

const keyValue = (k: SigningKeyRow) => ({
  id: k.id,
  name: k.name,
  algorithm: k.algorithm,
  length: k.length,
  kid: k.kid,
});
const keyAudit = auditSubject("key", "signing key", (k: SigningKeyRow) => ({
  tenantId: k.tenantId,
  id: k.id,
  label: k.name,
  value: keyValue(k),
}));

export function listSigningKeys(s: Services, tenantId: string): Promise<SigningKeyRow[]> {
  return s.db
    .select()
    .from(signingKeys)
    .where(eq(signingKeys.tenantId, tenantId))
    .orderBy(signingKeys.createdAt, sql`rowid`);
}

export async function generateSigningKey(
  s: Services,
  ctx: ChangeContext,
  tenantId: string,
  input: { id: string; name: string; algorithm: KeyAlgorithm; length?: number | undefined },
): Promise<SigningKeyRow> {
  const row = await newSigningKey(s, {
    id: input.id,
    tenantId,
    name: input.name,
    algorithm: input.algorithm,
    ...(input.length ? { length: input.length } : {}),
  });
  try {
    await auditedChange(s, ctx, [s.db.insert(signingKeys).values(row)], {
      ...keyAudit.created(row),
      action: "key.generate",
      message: `Generated ${row.algorithm} signing key [${row.name}]`,
    });
  } catch (err) {
    const v = constraintViolation(err);
    if (v?.kind === "unique" && /signing_keys\.name/i.test(v.message))
      throw ApiError.field("key.name", "duplicate", "A key with this [key.name] already exists.");
    if (v?.kind === "unique") throw ApiError.field("keyId", "duplicate", "A key with this id already exists.");
    throw err;
  }
  return row;
}

/** Deletes a tenant's key (withdrawn from the JWKS at once); false when it is not in the tenant. */
export async function deleteSigningKey(
  s: Services,
  ctx: ChangeContext,
  tenantId: string,
  id: string,
): Promise<boolean> {
  const where = and(eq(signingKeys.id, id), eq(signingKeys.tenantId, tenantId));
  const [cur] = await s.db.select().from(signingKeys).where(where);
  return keyAudit.remove(s, ctx, cur, s.db.delete(signingKeys).where(where));
}
