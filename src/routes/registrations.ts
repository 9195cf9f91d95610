/**
 * /api/user/registration in FusionAuth's shape (src/services/registrations.ts does the work):
 * - `POST /api/user/registration[/{userId}]`: without `user`, registers the existing user `userId`;
 *   with `user`, creates the user and the registration together. Unknown top-level keys (the Express
 *   kickstart sends a top-level `roles`) are ignored.
 * - `GET`, `PUT`, `PATCH`, `DELETE /api/user/registration/{userId}/{applicationId}`.
 * The tenant is the request's (`requireTenant`), as for the user API.
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { parseUpdate } from "../http/merge.ts";
import { readJsonBody } from "../http/validate.ts";
import { apiRoutes } from "../http/route.ts";
import { refuseChosenIdFromTenantKey, requireTenant } from "../middleware/auth.ts";
import { errorsSchema } from "../openapi.ts";
import {
  createRegistration,
  deleteRegistration,
  findRegistration,
  registrationFields,
  toRegistrationJson,
  updateRegistration,
  userWithRegistrations,
} from "../services/registrations.ts";
import { chosenPathId, userFields, userJson, uuid } from "./schemas.ts";

const roleName = z.string().trim().min(1).max(191);
const updateFields = z.object({
  roles: z.array(roleName).max(200).optional(),
  data: z.record(z.string().max(100), z.unknown()).optional(),
  username: z.string().trim().min(1).max(100).optional(),
});
/** On update the path names the application; a body `applicationId` is accepted and ignored (the path wins, as in FusionAuth 1.25+). */
const updateRequestFields = updateFields.extend({ applicationId: uuid.optional() });
const createRequest = z.object({
  registration: updateFields.extend({ applicationId: uuid }),
  user: userFields.nullish(),
  skipRegistrationVerification: z.boolean().optional(),
  skipVerification: z.boolean().optional(),
  sendSetPasswordEmail: z.boolean().optional(),
});
const updateRequest = z.object({ registration: updateRequestFields });

export const registrationRoutes = new Hono<AppEnv>();
const route = apiRoutes(registrationRoutes, "/api/user/registration");

const tags = ["Registrations"];
const registrationJson = z
  .object({
    id: uuid,
    applicationId: uuid,
    roles: z.array(z.string()),
    data: z.record(z.string(), z.unknown()).optional(),
    username: z.string().optional(),
    verified: z.boolean(),
    insertInstant: z.number(),
    lastUpdateInstant: z.number(),
  })
  .meta({ id: "Registration" });
const one = { description: "The registration.", schema: z.object({ registration: registrationJson }) };
const withUser = {
  description: "The registration and the user (with `registrations[]`).",
  schema: z.object({ registration: registrationJson, user: userJson }),
};
const invalid = { description: "Invalid request (FusionAuth errors).", schema: errorsSchema };
const missing = { description: "No such registration, user or application in this tenant (empty)." };
const createNote =
  "Without `user`: registers the existing user (404 when missing). With `user`: creates the user and the registration together. Roles must be role names of the application (else `[invalid]registration.roles`); none given → the application's default roles. A second registration for the same application is `[duplicate]registration`.";

async function create(
  c: Context<AppEnv>,
  tenantId: string,
  userId: string | null,
  body: z.infer<typeof createRequest>,
) {
  const s = c.var.services;
  if (body.user) {
    if (userId) refuseChosenIdFromTenantKey(c, "userId");
    const out = await createRegistration(s, tenantId, userId, body.registration, body.user);
    return c.json({ registration: out.registration, user: { ...out.user, registrations: [out.registration] } });
  }
  if (!userId)
    throw ApiError.field("userId", "blank", "You must specify the [userId] in the path, or a [user] to create.");
  const out = await createRegistration(s, tenantId, userId, body.registration);
  const user = await userWithRegistrations(s, tenantId, { by: "id", id: out.row.userId });
  return c.json({ registration: out.registration, ...(user ? { user } : {}) });
}

const createDoc = {
  description: createNote,
  tags,
  auth: "apiKey" as const,
  body: createRequest,
  responses: { 200: withUser, 400: invalid, 404: missing },
};

route({
  ...createDoc,
  method: "post",
  path: "/",
  summary: "Create a user and a registration",
  before: requireTenant,
  handler: (c, body, _q, tenantId) => create(c, tenantId, null, body),
});

route({
  ...createDoc,
  method: "post",
  path: "/:userId",
  summary: "Register a user (or create user + registration with that id)",
  before: (c) => ({ userId: chosenPathId(c, "userId").toLowerCase(), tenantId: requireTenant(c) }),
  handler: (c, body, _q, { userId, tenantId }) => create(c, tenantId, userId, body),
});

/**
 * The user id from the path and the application id from the path or, when the path has none, from
 * the body; a malformed path id cannot name a registration (404).
 */
async function registrationIds(c: Context<AppEnv>): Promise<{ userId: string; applicationId: string }> {
  const userId = c.req.param("userId") ?? "";
  const fromPath = c.req.param("applicationId");
  if (!uuid.safeParse(userId).success || (fromPath !== undefined && !uuid.safeParse(fromPath).success))
    throw ApiError.notFound();
  return {
    userId: userId.toLowerCase(),
    applicationId: fromPath !== undefined ? fromPath.toLowerCase() : await bodyApplicationId(c),
  };
}

/**
 * PUT / PATCH `/api/user/registration/{userId}` (what FusionAuth's client sends for
 * updateRegistration / patchRegistration) name the application in the body's `registration.applicationId`.
 */
async function bodyApplicationId(c: Context<AppEnv>): Promise<string> {
  const raw = (await readJsonBody(c)) as { registration?: { applicationId?: unknown } } | undefined;
  const id = raw?.registration?.applicationId;
  if (id === undefined || id === null || id === "")
    throw ApiError.field("registration.applicationId", "blank", "You must specify [registration.applicationId].");
  if (typeof id !== "string" || !uuid.safeParse(id).success)
    throw ApiError.field("registration.applicationId", "invalid", "The [registration.applicationId] must be a UUID.");
  return id.toLowerCase();
}

async function existing(c: Context<AppEnv>) {
  const tenantId = requireTenant(c);
  const { userId, applicationId } = await registrationIds(c);
  const row = await findRegistration(c.var.services, tenantId, userId, applicationId);
  if (!row) throw ApiError.notFound();
  return { tenantId, row };
}

const idPath = "/:userId/:applicationId";

route({
  method: "get",
  path: idPath,
  summary: "Retrieve a registration",
  tags,
  auth: "apiKey",
  responses: { 200: one, 404: missing },
  handler: async (c) => {
    const { row } = await existing(c);
    return c.json({ registration: toRegistrationJson(row) });
  },
});

// parseUpdate reads the body: PATCH merges it into the stored registration before validating (RFC 7396).
for (const mode of ["put", "patch"] as const)
  for (const path of [idPath, "/:userId"])
    route({
      method: mode,
      path,
      summary: mode === "put" ? "Replace a registration's roles, data and username" : "Merge into a registration",
      ...(path === idPath ? {} : { description: "The application is the body's `registration.applicationId`." }),
      tags,
      auth: "apiKey",
      body: updateRequest,
      parse: false,
      responses: { 200: one, 400: invalid, 404: missing },
      handler: async (c) => {
        const { tenantId, row } = await existing(c);
        const next = await parseUpdate(c, mode, "registration", updateRequestFields, registrationFields(row));
        const registration = await updateRegistration(c.var.services, tenantId, row, next);
        return c.json({ registration });
      },
    });

route({
  method: "delete",
  path: idPath,
  summary: "Delete a registration",
  tags,
  auth: "apiKey",
  responses: { 200: { description: "Deleted (empty body)." }, 404: missing },
  handler: async (c) => {
    const tenantId = requireTenant(c);
    const { userId, applicationId } = await registrationIds(c);
    await deleteRegistration(c.var.services, tenantId, userId, applicationId);
    return c.body(null, 200);
  },
});
