/**
 * API key creation and deletion, shared by /api/api-key and the admin console; each change and its
 * audit row are one D1 batch. A key is stored only as `keyedHash(pepper, "api-key", key)`; the raw
 * key is returned once by `createApiKey` and never stored or audited.
 */
import { and, eq, type SQL } from "drizzle-orm";
import { base64UrlEncode } from "../../domain/encoding.ts";
import { ApiError } from "../../errors.ts";
import { constraintViolation } from "../../storage/d1/results.ts";
import { apiKeys } from "../../storage/d1/schema.ts";
import type { Services } from "../container.ts";
import { keyedHash } from "../hashing.ts";
import { auditedChange, auditSubject, type ChangeContext } from "./context.ts";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** Generated keys: 256 bits from the CSPRNG, base64url (43 characters). */
const GENERATED_KEY_BYTES = 32;

const keyValue = (k: ApiKeyRow) => ({ id: k.id, tenantId: k.tenantId, description: k.description });
const keyAudit = auditSubject("apiKey", "API key", (k: ApiKeyRow) => ({
  tenantId: k.tenantId,
  id: k.id,
  label: k.id,
  value: keyValue(k),
}));

/** Rows visible within `scope` (null = every key, else that tenant's keys only). */
export function visibleKeys(scope: string | null, id?: string): SQL | undefined {
  const where = scope === null ? undefined : eq(apiKeys.tenantId, scope);
  return id === undefined ? where : and(eq(apiKeys.id, id), where);
}

export function listApiKeys(s: Services, scope: string | null): Promise<ApiKeyRow[]> {
  return s.db.select().from(apiKeys).where(visibleKeys(scope)).orderBy(apiKeys.createdAt, apiKeys.id);
}

function constraintError(err: unknown): ApiError | null {
  const v = constraintViolation(err);
  if (!v) return null;
  if (/key_hash/i.test(v.message))
    return ApiError.field("apiKey.key", "duplicate", "This [apiKey.key] is already in use.");
  if (v.kind === "unique") return ApiError.field("apiKey.id", "duplicate", "An API key with this id already exists.");
  return ApiError.field("apiKey.tenantId", "invalid", "The value of [apiKey.tenantId] is invalid.");
}

/** Creates a key (the caller has decided `tenantId` is allowed); returns the row and the raw key, once. */
export async function createApiKey(
  s: Services,
  ctx: ChangeContext,
  input: { id: string; tenantId: string | null; key?: string | undefined; description: string | null },
): Promise<{ row: ApiKeyRow; key: string }> {
  const { db, pepper, random, now, config } = s;
  const key = input.key ?? base64UrlEncode(random(GENERATED_KEY_BYTES));
  const keyHash = await keyedHash(pepper, "api-key", key);
  // A stored copy of the bootstrap key would shadow it (the key table is consulted first) and demote it to this key's scope.
  if (keyHash === (await keyedHash(pepper, "api-key", config.BOOTSTRAP_API_KEY))) {
    throw ApiError.field("apiKey.key", "duplicate", "This [apiKey.key] is already in use.");
  }
  const t = now();
  const row: ApiKeyRow = {
    id: input.id,
    tenantId: input.tenantId,
    keyHash,
    description: input.description,
    createdAt: t,
    updatedAt: t,
  };
  try {
    await auditedChange(s, ctx, [db.insert(apiKeys).values(row)], {
      ...keyAudit.created(row),
      message: `Created API key [${row.id}]${row.tenantId ? "" : " for all tenants"}`,
    });
  } catch (err) {
    throw constraintError(err) ?? err;
  }
  return { row, key };
}

/** Deletes a key visible within `scope`; false when there is none. */
export async function deleteApiKey(
  s: Services,
  ctx: ChangeContext,
  scope: string | null,
  id: string,
): Promise<boolean> {
  const [cur] = await s.db.select().from(apiKeys).where(visibleKeys(scope, id));
  return keyAudit.remove(s, ctx, cur, s.db.delete(apiKeys).where(visibleKeys(scope, id)));
}
