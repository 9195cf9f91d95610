/**
 * Reading the audit log (FusionAuth's audit-log search): newest first, filtered by actor, message
 * text and time window, paged by startRow/numberOfResults, and always confined to `scope` (null =
 * every tenant; a tenant id = that tenant's rows only).
 */
import { and, count, desc, eq, gte, lte, sql, type SQL } from "drizzle-orm";
import { auditLog, type AuditRow } from "../../storage/d1/schema.ts";
import type { Services } from "../container.ts";

export type AuditSearch = {
  /** Substring of `insertUser` ("user:{id}" or "apiKey:{id}"), e.g. a user id. */
  user?: string | undefined;
  /** Substring of the message, case-insensitive. */
  message?: string | undefined;
  /** Milliseconds since the epoch, inclusive. */
  start?: number | undefined;
  end?: number | undefined;
  startRow: number;
  numberOfResults: number;
};

export async function searchAuditLog(
  s: Services,
  scope: string | null,
  q: AuditSearch,
): Promise<{ rows: AuditRow[]; total: number }> {
  const where: SQL[] = [];
  if (scope !== null) where.push(eq(auditLog.tenantId, scope));
  if (q.user) where.push(sql`instr(${auditLog.insertUser}, ${q.user}) > 0`);
  if (q.message) where.push(sql`instr(lower(${auditLog.message}), lower(${q.message})) > 0`);
  if (q.start !== undefined) where.push(gte(auditLog.insertInstant, q.start));
  if (q.end !== undefined) where.push(lte(auditLog.insertInstant, q.end));
  const cond = where.length ? and(...where) : undefined;
  const [rows, totals] = await s.db.batch([
    s.db
      .select()
      .from(auditLog)
      .where(cond)
      .orderBy(desc(auditLog.insertInstant), desc(auditLog.id))
      .limit(q.numberOfResults)
      .offset(q.startRow),
    s.db.select({ n: count() }).from(auditLog).where(cond),
  ]);
  return { rows, total: totals[0]?.n ?? 0 };
}

/** FusionAuth's AuditLog object. */
export function toAuditLogJson(r: AuditRow) {
  return {
    id: r.id,
    insertInstant: r.insertInstant,
    insertUser: r.insertUser,
    message: r.message,
    data: r.data,
    oldValue: r.oldValue ?? null,
    newValue: r.newValue ?? null,
  };
}
