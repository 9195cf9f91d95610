/**
 * /api/user: create, retrieve (by id, email, loginId, username), update, patch, delete.
 * Only a key valid for all tenants may choose a new user's id (`refuseChosenIdFromTenantKey`).
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";
import { errorsSchema, registerRoute } from "../openapi.ts";
import { ApiError } from "../errors.ts";
import { parseBody, parseQuery } from "../http/validate.ts";
import { refuseChosenIdFromTenantKey, requireTenant, requireTenantRow } from "../middleware/auth.ts";
import { requestFacts } from "../http/request-info.ts";
import { tenantContext } from "../services/tenant-context.ts";
import { stepUpNote, TRUST_TOKEN_HEADER } from "../services/step-up.ts";
import { createUser, deleteUser, updateUser } from "../services/user-admin.ts";
import type { UserLookup } from "../services/users.ts";
import { userJson, userRequest, uuid } from "./schemas.ts";
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

userRoutes.get("/", async (c) => {
  const q = parseQuery(c, lookupQuery);
  if (q.email) return respondWithUser(c, { by: "email", email: q.email });
  if (q.loginId) return respondWithUser(c, { by: "loginId", loginId: q.loginId });
  if (q.username) return respondWithUser(c, { by: "username", username: q.username });
  throw ApiError.field("email", "blank", "You must specify [email], [loginId] or [username].");
});

userRoutes.get("/:userId", async (c) => {
  const id = c.req.param("userId");
  if (!uuid.safeParse(id).success) throw ApiError.notFound();
  return respondWithUser(c, { by: "id", id });
});

async function create(c: Context<AppEnv>, id: string | undefined) {
  const tenantId = requireTenant(c);
  const body = await parseBody(c, userRequest);
  const created = await createUser(c.var.services, tenantId, id, body.user);
  return c.json({ user: created });
}

userRoutes.post("/", (c) => create(c, undefined));
userRoutes.post("/:userId", (c) => {
  const id = c.req.param("userId");
  if (!uuid.safeParse(id).success) throw ApiError.field("userId", "invalid", "The userId must be a UUID.");
  refuseChosenIdFromTenantKey(c, "userId");
  return create(c, id);
});

for (const mode of ["put", "patch"] as const) {
  userRoutes[mode]("/:userId", async (c) => {
    const id = c.req.param("userId");
    if (!uuid.safeParse(id).success) throw ApiError.notFound();
    const body = await parseBody(c, userRequest);
    const uc = {
      scope: tenantContext(requireTenantRow(c)),
      trustToken: c.req.header(TRUST_TOKEN_HEADER),
      info: requestFacts(c).info,
    };
    const user = await updateUser(c.var.services, requireTenant(c), id, body.user, mode === "patch", uc);
    return c.json({ user });
  });
}

userRoutes.delete("/:userId", async (c) => {
  const id = c.req.param("userId");
  if (!uuid.safeParse(id).success) throw ApiError.notFound();
  await deleteUser(c.var.services, requireTenant(c), id);
  return c.body(null, 200);
});

const tags = ["Users"];
const userStepUp = `${stepUpNote("user:change-email")} Likewise \`user:change-phone\`, \`user:change-password\`; a request changing several names them all, sorted and space-separated.`;
const userBody = { description: "The user (never a secret).", schema: z.object({ user: userJson }) };
const missing = { description: "Not found (empty)." };
const invalid = { description: "Invalid request.", schema: errorsSchema };
registerRoute({
  method: "post",
  path: "/api/user",
  summary: "Create a user",
  tags,
  auth: "apiKey",
  body: userRequest,
  responses: { 200: userBody, 400: invalid },
});
registerRoute({
  method: "post",
  path: "/api/user/:userId",
  summary: "Create a user with the given id (keys valid for all tenants only)",
  tags,
  auth: "apiKey",
  body: userRequest,
  responses: { 200: userBody, 400: invalid },
});
registerRoute({
  method: "get",
  path: "/api/user",
  summary: "Retrieve a user by email, loginId or username",
  tags,
  auth: "apiKey",
  query: lookupQuery,
  responses: { 200: userBody, 400: invalid, 404: missing },
});
registerRoute({
  method: "get",
  path: "/api/user/:userId",
  summary: "Retrieve a user",
  tags,
  auth: "apiKey",
  responses: { 200: userBody, 404: missing },
});
registerRoute({
  method: "put",
  path: "/api/user/:userId",
  summary: "Replace a user",
  description: userStepUp,
  tags,
  auth: "apiKey",
  body: userRequest,
  responses: { 200: userBody, 400: invalid, 404: missing },
});
registerRoute({
  method: "patch",
  path: "/api/user/:userId",
  summary: "Merge into a user",
  description: userStepUp,
  tags,
  auth: "apiKey",
  body: userRequest,
  responses: { 200: userBody, 400: invalid, 404: missing },
});
registerRoute({
  method: "delete",
  path: "/api/user/:userId",
  summary: "Delete a user with their methods, codes, trusts and counters",
  tags,
  auth: "apiKey",
  responses: { 200: { description: "Deleted (empty body)." }, 404: missing },
});
