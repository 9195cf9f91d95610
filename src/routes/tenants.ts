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
import { apiRoutes, type Parsed } from "../http/route.ts";
import { refuseChosenIdFromTenantKey, requireTenant } from "../middleware/auth.ts";
import { errorsSchema, type ResponseDoc } from "../openapi.ts";
import {
  applicationSettingsSchema,
  completeApplicationSettings,
  completeTenantSettings,
  tenantSettingsSchema,
} from "../settings.ts";
import { apiChange } from "../http/change-context.ts";
import * as tenantService from "../services/admin/tenants.ts";
import type { ApplicationRow, TenantRow } from "../storage/d1/schema.ts";
import { chosenPathId, uuid } from "./schemas.ts";

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

const invalid: ResponseDoc = { description: "Invalid request (FusionAuth errors).", schema: errorsSchema };
const missing: ResponseDoc = { description: "Not found, or not visible to this key (empty body)." };

/** What differs between the tenant and application APIs; crud() declares the seven routes. */
type Crud<R extends z.ZodType> = {
  resource: "tenant" | "application";
  tag: string;
  one: z.ZodType;
  request: R;
  patch: z.ZodType;
  /** Who may create, checked after the path id and before the body (tenants: a global key). */
  mayCreate: (c: Ctx, chosenId: boolean) => void;
  create: (c: Ctx, id: string, body: Parsed<R>) => Promise<Response>;
  list: (c: Ctx) => Promise<Response>;
  get: (c: Ctx) => Promise<Response>;
  update: (c: Ctx, mode: "put" | "patch") => Promise<Response>;
  remove: (c: Ctx) => Promise<Response>;
};

function crud<R extends z.ZodType>(router: Hono<AppEnv>, o: Crud<R>): void {
  const { resource } = o;
  const route = apiRoutes(router, `/api/${resource}`);
  const idPath = `/:${resource}Id`;
  const single = z.object({ [resource]: o.one });
  const ok = (d: string): ResponseDoc => ({ description: d, schema: single });
  const doc = { tags: [o.tag], auth: "apiKey" as const };
  route({
    ...doc,
    method: "post",
    path: "/",
    summary: `Create a ${resource} with a generated id`,
    body: o.request,
    responses: { 200: ok("Created."), 400: invalid },
    before: (c) => o.mayCreate(c, false),
    handler: (c, body) => o.create(c, crypto.randomUUID(), body),
  });
  route({
    ...doc,
    method: "post",
    path: idPath,
    summary: `Create a ${resource} with the given id (keys valid for all tenants only)`,
    body: o.request,
    responses: { 200: ok("Created."), 400: invalid },
    before: (c) => {
      const id = chosenPathId(c, `${resource}Id`);
      o.mayCreate(c, true);
      return id;
    },
    handler: (c, body, _q, id) => o.create(c, id, body),
  });
  route({
    ...doc,
    method: "get",
    path: "/",
    summary: `List ${resource}s`,
    responses: { 200: { description: "All visible.", schema: z.object({ [`${resource}s`]: z.array(o.one) }) } },
    handler: o.list,
  });
  route({
    ...doc,
    method: "get",
    path: idPath,
    summary: `Retrieve a ${resource}`,
    responses: { 200: ok("Found."), 404: missing },
    handler: o.get,
  });
  // parseUpdate reads the body: PATCH merges it into the stored object before validating (RFC 7396).
  for (const [method, summary, body] of [
    ["put", `Replace a ${resource} (defaults re-applied)`, o.request],
    ["patch", `Merge into a ${resource}`, o.patch],
  ] as const)
    route({
      ...doc,
      method,
      path: idPath,
      summary,
      body,
      parse: false,
      responses: { 200: ok("Updated."), 400: invalid, 404: missing },
      handler: (c) => o.update(c, method),
    });
  route({
    ...doc,
    method: "delete",
    path: idPath,
    summary: `Delete a ${resource}`,
    responses: { 200: { description: "Deleted (empty body)." }, 404: missing },
    handler: o.remove,
  });
}

crud(tenantRoutes, {
  resource: "tenant",
  tag: "Tenants",
  one: tenantJson,
  request: tenantRequest,
  patch: tenantPatch,
  mayCreate: requireGlobalKey,
  create: async (c, id, { tenant }) => {
    const { name: tenantName, ...settings } = tenant;
    const row = await tenantService.createTenant(c.var.services, apiChange(c), { id, name: tenantName, settings });
    return c.json({ tenant: toTenantJson(row) });
  },
  list: async (c) => {
    requireGlobalKey(c);
    const rows = await tenantService.listTenants(c.var.services);
    return c.json({ tenants: rows.map(toTenantJson) });
  },
  get: async (c) => c.json({ tenant: toTenantJson(await visibleTenant(c)) }),
  update: async (c, mode) => {
    const cur = await visibleTenant(c);
    const next = await parseUpdate(c, mode, "tenant", tenantFields, { name: cur.name, ...cur.settings });
    const { name: tenantName, ...settings } = next;
    const row = await tenantService.updateTenant(c.var.services, apiChange(c), cur, { name: tenantName, settings });
    return c.json({ tenant: toTenantJson(row) });
  },
  remove: async (c) => {
    requireGlobalKey(c);
    const id = pathId(c, "tenantId");
    // Applications, API keys and users (with their methods and recovery codes) cascade in D1.
    if (!(await tenantService.deleteTenant(c.var.services, apiChange(c), id))) throw ApiError.notFound();
    return c.body(null, 200);
  },
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

crud(applicationRoutes, {
  resource: "application",
  tag: "Applications",
  one: applicationJson,
  request: applicationRequest,
  patch: applicationPatch,
  mayCreate: (c, chosenId) => {
    if (chosenId) refuseChosenIdFromTenantKey(c, "applicationId");
    requireTenant(c);
  },
  create: async (c, id, { application }) => {
    const { name: appName, ...settings } = application;
    const { row, clientSecret } = await tenantService.createApplication(
      c.var.services,
      apiChange(c),
      requireTenant(c),
      { id, name: appName, settings },
    );
    return c.json({ application: toApplicationJson(row, clientSecret) });
  },
  list: async (c) => {
    const rows = await tenantService.listApplications(c.var.services, requireTenant(c));
    return c.json({ applications: rows.map((r) => toApplicationJson(r)) });
  },
  get: async (c) => c.json({ application: toApplicationJson(await visibleApplication(c)) }),
  update: async (c, mode) => {
    const cur = await visibleApplication(c);
    const next = await parseUpdate(c, mode, "application", applicationFields, { name: cur.name, ...cur.settings });
    const { name: appName, ...settings } = next;
    const row = await tenantService.updateApplication(c.var.services, apiChange(c), cur, { name: appName, settings });
    return c.json({ application: toApplicationJson(row) });
  },
  remove: async (c) => {
    const tenantId = requireTenant(c);
    const id = pathId(c, "applicationId");
    if (!(await tenantService.deleteApplication(c.var.services, apiChange(c), tenantId, id))) throw ApiError.notFound();
    return c.body(null, 200);
  },
});
