/**
 * /api/user: create, retrieve (by id, email, loginId, username), update, patch, delete.
 * Only a key valid for all tenants may choose a new user's id (`refuseChosenIdFromTenantKey`).
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { errorsSchema } from "../openapi.ts";
import { ApiError } from "../errors.ts";
import { apiRoutes } from "../http/route.ts";
import { refuseChosenIdFromTenantKey, requireTenant, requireTenantRow } from "../middleware/auth.ts";
import { requestFacts } from "../http/request-info.ts";
import { tenantContext } from "../services/tenant-context.ts";
import { stepUpNote, TRUST_TOKEN_HEADER } from "../services/step-up.ts";
import { createUser, deleteUser, updateUser } from "../services/user-admin.ts";
import type { UserLookup } from "../services/users.ts";
import { userJson, userRequest, chosenPathId, uuid } from "./schemas.ts";
import { recoveryCodeRoutes, userTwoFactorRoutes } from "./user-two-factor.ts";
import { lockRoutes, trustRoutes } from "./user-security.ts";
import { registrationRoutes } from "./registrations.ts";
import { userWithRegistrations } from "../services/registrations.ts";

export const userRoutes = new Hono<AppEnv>();

userRoutes.route("/registration", registrationRoutes);
userRoutes.route("/two-factor/recovery-code", recoveryCodeRoutes);
userRoutes.route("/two-factor/trust", trustRoutes);
userRoutes.route("/", lockRoutes);
userRoutes.route("/two-factor", userTwoFactorRoutes);

const lookupQuery = z
  .object({ email: z.string().max(254), loginId: z.string().max(254), username: z.string().max(100) })
  .partial();

async function respondWithUser(c: Context<AppEnv>, q: UserLookup) {
  const user = await userWithRegistrations(c.var.services, requireTenant(c), q);
  if (!user) throw ApiError.notFound();
  return c.json({ user });
}

/** A malformed id names no user (404), checked before the body is read. */
function existingUserId(c: Context<AppEnv>): string {
  const id = c.req.param("userId") ?? "";
  if (!uuid.safeParse(id).success) throw ApiError.notFound();
  return id;
}

const route = apiRoutes(userRoutes, "/api/user");
const tags = ["Users"];
const userStepUp = `${stepUpNote("user:change-email")} Likewise \`user:change-phone\`, \`user:change-password\`; a request changing several names them all, sorted and space-separated.`;
const userBody = { description: "The user (never a secret).", schema: z.object({ user: userJson }) };
const missing = { description: "Not found (empty)." };
const invalid = { description: "Invalid request.", schema: errorsSchema };

route({
  method: "get",
  path: "/",
  summary: "Retrieve a user by email, loginId or username",
  tags,
  auth: "apiKey",
  query: lookupQuery,
  responses: { 200: userBody, 400: invalid, 404: missing },
  handler: async (c, _, q) => {
    if (q.email) return respondWithUser(c, { by: "email", email: q.email });
    if (q.loginId) return respondWithUser(c, { by: "loginId", loginId: q.loginId });
    if (q.username) return respondWithUser(c, { by: "username", username: q.username });
    throw ApiError.field("email", "blank", "You must specify [email], [loginId] or [username].");
  },
});

route({
  method: "get",
  path: "/:userId",
  summary: "Retrieve a user",
  tags,
  auth: "apiKey",
  responses: { 200: userBody, 404: missing },
  handler: (c) => respondWithUser(c, { by: "id", id: existingUserId(c) }),
});

async function create(c: Context<AppEnv>, tenantId: string, id: string | undefined, body: z.infer<typeof userRequest>) {
  const created = await createUser(c.var.services, tenantId, id, body.user);
  return c.json({ user: created });
}

route({
  method: "post",
  path: "/",
  summary: "Create a user",
  tags,
  auth: "apiKey",
  body: userRequest,
  responses: { 200: userBody, 400: invalid },
  before: requireTenant,
  handler: (c, body, _q, tenantId) => create(c, tenantId, undefined, body),
});

route({
  method: "post",
  path: "/:userId",
  summary: "Create a user with the given id (keys valid for all tenants only)",
  tags,
  auth: "apiKey",
  body: userRequest,
  responses: { 200: userBody, 400: invalid },
  before: (c) => {
    const id = chosenPathId(c, "userId");
    refuseChosenIdFromTenantKey(c, "userId");
    return { id, tenantId: requireTenant(c) };
  },
  handler: (c, body, _q, { id, tenantId }) => create(c, tenantId, id, body),
});

for (const [mode, summary] of [
  ["put", "Replace a user"],
  ["patch", "Merge into a user"],
] as const)
  route({
    method: mode,
    path: "/:userId",
    summary,
    description: userStepUp,
    tags,
    auth: "apiKey",
    body: userRequest,
    responses: { 200: userBody, 400: invalid, 404: missing },
    before: existingUserId,
    handler: async (c, body, _q, id) => {
      const uc = {
        scope: tenantContext(requireTenantRow(c)),
        trustToken: c.req.header(TRUST_TOKEN_HEADER),
        info: requestFacts(c).info,
      };
      const user = await updateUser(c.var.services, requireTenant(c), id, body.user, mode === "patch", uc);
      return c.json({ user });
    },
  });

route({
  method: "delete",
  path: "/:userId",
  summary: "Delete a user with their methods, codes, trusts and counters",
  tags,
  auth: "apiKey",
  responses: { 200: { description: "Deleted (empty body)." }, 404: missing },
  handler: async (c) => {
    const id = existingUserId(c);
    await deleteUser(c.var.services, requireTenant(c), id);
    return c.body(null, 200);
  },
});
