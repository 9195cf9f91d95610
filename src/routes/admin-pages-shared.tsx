/**
 * What every admin console page module shares: the page frame, the tenant the admin may manage
 * (`managedTenant`, a 404 for anything else), path ids, and the message of a refused change.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { ApiError } from "../errors.ts";
import { AdminPage } from "../pages/admin/components.tsx";
import { mayManage } from "../services/admin/console.ts";
import { loadTenant } from "../services/admin/tenants.ts";
import type { TenantRow } from "../storage/d1/schema.ts";
import type { AppEnv } from "../env.ts";
import type { AdminEnv } from "./admin-auth.tsx";
import { renderPage } from "./hosted-http.tsx";

export type Ctx = Context<AdminEnv>;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function page(
  c: Ctx,
  heading: string,
  tenant: TenantRow | null,
  current: string,
  body: Child,
  notice: { error?: string | null; info?: string | null } = {},
  status: ContentfulStatusCode = 200,
) {
  const a = c.var.admin;
  return renderPage(
    c as unknown as Context<AppEnv>,
    <AdminPage
      nav={{ tenantId: tenant?.id ?? null, tenantName: tenant?.name, current, csrf: c.var.csrf, email: a.email }}
      {...notice}
    >
      {body}
    </AdminPage>,
    { heading, status },
  );
}

export class NotVisible extends Error {}

/** The path's tenant if this admin may manage it; otherwise the same 404 as a missing tenant. */
export async function managedTenant(c: Ctx): Promise<TenantRow> {
  const id = (c.req.param("tenantId") ?? "").toLowerCase();
  if (!UUID.test(id) || !mayManage(c.var.admin.scope, id)) throw new NotVisible();
  const t = await loadTenant(c.var.services, id);
  if (!t) throw new NotVisible();
  return t;
}

export function pathId(c: Ctx, name: string): string {
  const id = (c.req.param(name) ?? "").toLowerCase();
  if (!/^[0-9a-z_-]{1,64}$/i.test(id)) throw new NotVisible();
  return id;
}

export function refusal(err: unknown): string {
  if (err instanceof ApiError && err.kind === "validation") {
    const body = err.body as {
      fieldErrors?: Record<string, Array<{ message: string }>>;
      generalErrors?: Array<{ message: string }>;
    };
    const msgs = [
      ...Object.entries(body.fieldErrors ?? {}).map(([k, v]) => `${k}: ${v.map((e) => e.message).join(" ")}`),
      ...(body.generalErrors ?? []).map((e) => e.message),
    ];
    return `Not saved. ${msgs.join("; ")}`;
  }
  throw err;
}

/** A checkbox posted as "true". */
export const on = (v: string | undefined) => v === "true";
