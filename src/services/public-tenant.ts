/**
 * The tenant an unauthenticated, tenant-less public URL (JWKS, OIDC discovery) speaks for: the named
 * one (`?tenantId=` or a path segment), else — like the API-key middleware's default — the only
 * tenant while exactly one exists. FusionAuth's keys and discovery are global; edge-mfa's tenants
 * each have their own keys and issuer, so with several tenants a bare URL must name one (404).
 */
import { eq } from "drizzle-orm";
import { tenants, type TenantRow } from "../storage/d1/schema.ts";
import type { Services } from "./container.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function publicTenant(s: Services, tenantId: string | undefined): Promise<TenantRow | null> {
  if (tenantId !== undefined) {
    if (!UUID.test(tenantId)) return null;
    const [row] = await s.db.select().from(tenants).where(eq(tenants.id, tenantId.toLowerCase())).limit(1);
    return row ?? null;
  }
  const rows = await s.db.select().from(tenants).limit(2);
  return rows.length === 1 ? rows[0]! : null;
}
