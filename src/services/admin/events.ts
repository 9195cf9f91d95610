/** The tenant's recent events (GET /api/event and the console's Events page), newest first. */
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { events } from "../../storage/d1/schema.ts";
import type { Services } from "../container.ts";

export type EventFilter = {
  userId?: string | undefined;
  type?: string | undefined;
  before?: number | undefined;
  limit: number;
};

export async function listEvents(s: Services, tenantId: string, q: EventFilter): Promise<Record<string, unknown>[]> {
  const where: SQL[] = [eq(events.tenantId, tenantId)];
  if (q.userId) where.push(eq(events.userId, q.userId));
  if (q.type) where.push(eq(events.type, q.type));
  if (q.before) where.push(lt(events.createInstant, q.before));
  const rows = await s.db
    .select({ payload: events.payload })
    .from(events)
    .where(and(...where))
    .orderBy(desc(events.createInstant))
    .limit(q.limit);
  return rows.map((r) => r.payload as Record<string, unknown>);
}
