/**
 * User registrations (FusionAuth's "registrations": a user's membership of an application, with
 * roles). This module holds the lookup every login path shares; the registration API builds on it.
 */
import { and, eq } from "drizzle-orm";
import { registrations, type RegistrationRow } from "../storage/d1/schema.ts";
import type { Services } from "./container.ts";

/** The user's registration for the application (same tenant), or null. */
export async function findRegistration(
  s: Services,
  tenantId: string,
  userId: string,
  applicationId: string,
): Promise<RegistrationRow | null> {
  const [row] = await s.db
    .select()
    .from(registrations)
    .where(
      and(
        eq(registrations.userId, userId),
        eq(registrations.applicationId, applicationId),
        eq(registrations.tenantId, tenantId),
      ),
    )
    .limit(1);
  return row ?? null;
}
