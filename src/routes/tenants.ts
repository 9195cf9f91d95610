/**
 * /api/tenant and /api/application: create, retrieve, list, update (PUT replaces, PATCH deep-merges),
 * delete, in FusionAuth's wire shape. Settings are validated by `tenantSettingsSchema` /
 * `applicationSettingsSchema` (src/settings.ts) and stored as the validated JSON; every response
 * re-applies the defaults through `completeTenantSettings` / `completeApplicationSettings`.
 *
 * Authorisation (OWASP API Security Top 10 2023 API1, no existence oracle):
 * - Tenants: only a key valid for all tenants (`keyTenantId === null`) may create, list or delete
 *   (any other key: 401). A tenant-scoped key may read and update its own tenant only; every other
 *   tenant id answers exactly like a missing one (404, empty).
 * - Applications live inside the request's tenant (`requireTenant`); an id of another tenant's
 *   application answers 404 like a missing one. Only a key valid for all tenants may choose a new
 *   application's id (`refuseChosenIdFromTenantKey`).
 * Tenant names are not unique: a uniqueness check would let a tenant-scoped key probe other
 * tenants' names by renaming its own.
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { parseUpdate } from "../http/merge.ts";
import { parseBody } from "../http/validate.ts";
import { refuseChosenIdFromTenantKey, requireTenant } from "../middleware/auth.ts";
import { errorsSchema, registerRoute, type HttpMethod, type ResponseDoc } from "../openapi.ts";
import {
  applicationSettingsSchema,
  completeApplicationSettings,
  completeTenantSettings,
  tenantSettingsSchema,
} from "../settings.ts";
import { apiChange } from "../http/change-context.ts";
import * as tenantService from "../services/admin/tenants.ts";
import type { ApplicationRow, TenantRow } from "../storage/d1/schema.ts";
import { uuid } from "./schemas.ts";

type Ctx = Context<AppEnv>;

const name = z.string().trim().min(1).max(191);
const tenantFields = tenantSettingsSchema.extend({ name });
const applicationFields = applicationSettingsSchema.extend({ name });
const tenantRequest = z.object({ tenant: tenantFields });
const applicationRequest = z.object({ application: applicationFields });
/** PATCH bodies are deep-merged into the stored object, then validated with the full schema. */
const tenantPatch = z.object({
  tenant: z.record(z.string(), z.unknown()).meta({
    description:
      "Any subset of the tenant fields; merged into the current tenant (null deletes a value), then validated as a whole.",
  }),
});
const applicationPatch = z.object({
  application: z
    .record(z.string(), z.unknown())
    .meta({ description: "Any subset of the application fields; merged, then validated as a whole." }),
});

const instants = { insertInstant: z.number().int(), lastUpdateInstant: z.number().int() };
const tenantJson = z.object({ id: uuid, name: z.string(), ...tenantSettingsSchema.shape, ...instants });
const applicationJson = z.object({
  id: uuid,
  tenantId: uuid,
  name: z.string(),
  ...applicationSettingsSchema.shape,
  oauthConfiguration: applicationSettingsSchema.shape.oauthConfiguration.unwrap().extend({
    clientId: uuid,
    clientSecret: z.string().optional().meta({ description: "Only in the response that created the application." }),
  }),
  ...instants,
});

function toTenantJson(t: TenantRow) {
  return {
    id: t.id,
    name: t.name,
    ...completeTenantSettings(t.settings),
    insertInstant: t.createdAt * 1000,
    lastUpdateInstant: t.updatedAt * 1000,
  };
}

/** `clientSecret` only in the response that created it (it is stored as a hash: src/services/oauth/client.ts). */
function toApplicationJson(a: ApplicationRow, clientSecret?: string) {
  const settings = completeApplicationSettings(a.settings);
  return {
    id: a.id,
    tenantId: a.tenantId,
    name: a.name,
    ...settings,
    oauthConfiguration: { ...settings.oauthConfiguration, clientId: a.id, ...(clientSecret ? { clientSecret } : {}) },
    insertInstant: a.createdAt * 1000,
    lastUpdateInstant: a.updatedAt * 1000,
  };
}

/** A path id that is not a UUID cannot name a row: 404 for reads and updates, 400 for creation. */
function pathId(c: Ctx, param: string): string {
  const id = c.req.param(param) ?? "";
  if (!uuid.safeParse(id).success) throw ApiError.notFound();
  return id;
}

// ---------------------------------------------------------------- tenants

export const tenantRoutes = new Hono<AppEnv>();

/** Tenant creation, listing and deletion need a key that is valid for every tenant. */
function requireGlobalKey(c: Ctx): void {
  if (c.var.auth.keyTenantId !== null) throw ApiError.unauthorized();
}

/** Loads a tenant the caller may see; anything else is indistinguishable from a missing tenant. */
async function visibleTenant(c: Ctx): Promise<TenantRow> {
  const id = pathId(c, "tenantId");
  const own = c.var.auth.keyTenantId;
  if (own !== null && own !== id) throw ApiError.notFound();
  const row = await tenantService.loadTenant(c.var.services, id);
  if (!row) throw ApiError.notFound();
  return row;
}

async function createTenant(c: Ctx, id: string) {
  requireGlobalKey(c);
  const { tenant } = await parseBody(c, tenantRequest);
  const { name: tenantName, ...settings } = tenant;
  const row = await tenantService.createTenant(c.var.services, apiChange(c), { id, name: tenantName, settings });
  return c.json({ tenant: toTenantJson(row) });
}

tenantRoutes.post("/", (c) => createTenant(c, crypto.randomUUID()));
tenantRoutes.post("/:tenantId", (c) => {
  const id = c.req.param("tenantId");
  if (!uuid.safeParse(id).success) throw ApiError.field("tenantId", "invalid", "The tenantId must be a UUID.");
  return createTenant(c, id);
});

tenantRoutes.get("/", async (c) => {
  requireGlobalKey(c);
  const rows = await tenantService.listTenants(c.var.services);
  return c.json({ tenants: rows.map(toTenantJson) });
});

tenantRoutes.get("/:tenantId", async (c) => c.json({ tenant: toTenantJson(await visibleTenant(c)) }));

for (const mode of ["put", "patch"] as const) {
  tenantRoutes[mode]("/:tenantId", async (c) => {
    const cur = await visibleTenant(c);
    const next = await parseUpdate(c, mode, "tenant", tenantFields, { name: cur.name, ...cur.settings });
    const { name: tenantName, ...settings } = next;
    const row = await tenantService.updateTenant(c.var.services, apiChange(c), cur, { name: tenantName, settings });
    return c.json({ tenant: toTenantJson(row) });
  });
}

tenantRoutes.delete("/:tenantId", async (c) => {
  requireGlobalKey(c);
  const id = pathId(c, "tenantId");
  // Applications, API keys and users (with their methods and recovery codes) cascade in D1.
  if (!(await tenantService.deleteTenant(c.var.services, apiChange(c), id))) throw ApiError.notFound();
  return c.body(null, 200);
});

// ---------------------------------------------------------------- applications

export const applicationRoutes = new Hono<AppEnv>();

async function visibleApplication(c: Ctx): Promise<ApplicationRow> {
  const tenantId = requireTenant(c);
  const id = pathId(c, "applicationId");
  const row = await tenantService.loadApplication(c.var.services, tenantId, id);
  if (!row) throw ApiError.notFound();
  return row;
}

async function createApplication(c: Ctx, id: string) {
  const tenantId = requireTenant(c);
  const { application } = await parseBody(c, applicationRequest);
  const { name: appName, ...settings } = application;
  const { row, clientSecret } = await tenantService.createApplication(c.var.services, apiChange(c), tenantId, {
    id,
    name: appName,
    settings,
  });
  return c.json({ application: toApplicationJson(row, clientSecret) });
}

applicationRoutes.post("/", (c) => createApplication(c, crypto.randomUUID()));
applicationRoutes.post("/:applicationId", (c) => {
  const id = c.req.param("applicationId");
  if (!uuid.safeParse(id).success)
    throw ApiError.field("applicationId", "invalid", "The applicationId must be a UUID.");
  refuseChosenIdFromTenantKey(c, "applicationId");
  return createApplication(c, id);
});

applicationRoutes.get("/", async (c) => {
  const tenantId = requireTenant(c);
  const rows = await tenantService.listApplications(c.var.services, tenantId);
  return c.json({ applications: rows.map((r) => toApplicationJson(r)) });
});

applicationRoutes.get("/:applicationId", async (c) =>
  c.json({ application: toApplicationJson(await visibleApplication(c)) }),
);

for (const mode of ["put", "patch"] as const) {
  applicationRoutes[mode]("/:applicationId", async (c) => {
    const cur = await visibleApplication(c);
    const next = await parseUpdate(c, mode, "application", applicationFields, { name: cur.name, ...cur.settings });
    const { name: appName, ...settings } = next;
    const row = await tenantService.updateApplication(c.var.services, apiChange(c), cur, { name: appName, settings });
    return c.json({ application: toApplicationJson(row) });
  });
}

applicationRoutes.delete("/:applicationId", async (c) => {
  const tenantId = requireTenant(c);
  const id = pathId(c, "applicationId");
  if (!(await tenantService.deleteApplication(c.var.services, apiChange(c), tenantId, id))) throw ApiError.notFound();
  return c.body(null, 200);
});

// ---------------------------------------------------------------- OpenAPI

const invalid: ResponseDoc = { description: "Invalid request (FusionAuth errors).", schema: errorsSchema };
const missing: ResponseDoc = { description: "Not found, or not visible to this key (empty body)." };

function document(
  resource: "tenant" | "application",
  tag: string,
  one: z.ZodType,
  request: z.ZodType,
  patch: z.ZodType,
) {
  const base = `/api/${resource}`;
  const idPath = `${base}/:${resource}Id`;
  const list = z.object({ [`${resource}s`]: z.array(one) });
  const single = z.object({ [resource]: one });
  const ok = (d: string): ResponseDoc => ({ description: d, schema: single });
  const docs: Array<[HttpMethod, string, string, z.ZodType | undefined, Record<number, ResponseDoc>]> = [
    ["post", base, `Create a ${resource} with a generated id`, request, { 200: ok("Created."), 400: invalid }],
    [
      "post",
      idPath,
      `Create a ${resource} with the given id (keys valid for all tenants only)`,
      request,
      { 200: ok("Created."), 400: invalid },
    ],
    ["get", base, `List ${resource}s`, undefined, { 200: { description: "All visible.", schema: list } }],
    ["get", idPath, `Retrieve a ${resource}`, undefined, { 200: ok("Found."), 404: missing }],
    [
      "put",
      idPath,
      `Replace a ${resource} (defaults re-applied)`,
      request,
      { 200: ok("Updated."), 400: invalid, 404: missing },
    ],
    ["patch", idPath, `Merge into a ${resource}`, patch, { 200: ok("Updated."), 400: invalid, 404: missing }],
    [
      "delete",
      idPath,
      `Delete a ${resource}`,
      undefined,
      { 200: { description: "Deleted (empty body)." }, 404: missing },
    ],
  ];
  for (const [method, path, summary, body, responses] of docs)
    registerRoute({ method, path, summary, tags: [tag], auth: "apiKey", body, responses });
}

document("tenant", "Tenants", tenantJson, tenantRequest, tenantPatch);
document("application", "Applications", applicationJson, applicationRequest, applicationPatch);
