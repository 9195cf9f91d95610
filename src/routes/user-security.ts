/**
 * Account security administration (edge-mfa extensions; FusionAuth has no equivalent API):
 * - `GET /api/user/lock/{userId}` the lock state, `POST /api/user/unlock/{userId}` an administrator unlock;
 * - `GET /api/user/two-factor/trust/{userId}` the user's trusted devices, `DELETE` to revoke one
 *   (`?trustId=` the reference from the list, never the trust id itself) or all of them.
 * Every answer is tenant-scoped: another tenant's user is the same 404 as a missing one.
 */
import { Hono, type Context } from "hono";
import * as z from "zod";
import { describeUserAgent } from "../domain/user-agent.ts";
import { isLocked, lockActions, LOCKED_UNTIL_UNLOCKED } from "../domain/lockout.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { requestFacts } from "../http/request-info.ts";
import { requireTenant } from "../middleware/auth.ts";
import { errorsSchema } from "../openapi.ts";
import { apiRoutes } from "../http/route.ts";
import { loadUser, toUserJson } from "../services/users.ts";
import { uuid } from "./schemas.ts";

async function requireUser(c: Context<AppEnv>) {
  const userId = c.req.param("userId") ?? "";
  const tenantId = requireTenant(c);
  const loaded = uuid.safeParse(userId).success
    ? await loadUser(c.var.services.db, tenantId, { by: "id", id: userId })
    : null;
  if (!loaded) throw ApiError.notFound();
  return { tenantId, loaded, guard: c.var.services.guard(tenantId, userId) };
}

const tags = ["Account security"];
const notFound = { description: "No such user in this tenant." };

export const lockRoutes = new Hono<AppEnv>();
const lockRoute = apiRoutes(lockRoutes, "/api/user");

lockRoute({
  method: "get",
  path: "/lock/:userId",
  summary: "Lock state of a user (edge-mfa extension)",
  tags,
  auth: "apiKey",
  responses: {
    200: {
      description: "Whether the account is locked, until when (ms; null = until an administrator unlocks) and why.",
      schema: z.object({
        locked: z.boolean(),
        lockedUntil: z.number().nullable(),
        reason: z.string().nullable(),
        consecutiveFailures: z.number(),
        actions: z.array(z.record(z.string(), z.unknown())),
      }),
    },
    404: notFound,
  },
  before: requireUser,
  handler: async (c, _b, _q, { guard }) => {
    const state = await guard.lockState();
    const now = c.var.services.now();
    const locked = isLocked(state, now);
    return c.json({
      locked,
      lockedUntil:
        locked && state.lockedUntil !== LOCKED_UNTIL_UNLOCKED && state.lockedUntil !== null
          ? state.lockedUntil * 1000
          : null,
      reason: locked ? state.lockedReason : null,
      consecutiveFailures: state.consecutiveFailures,
      actions: locked ? lockActions(state) : [],
    });
  },
});

lockRoute({
  method: "post",
  path: "/unlock/:userId",
  summary: "Administrator unlock: lifts the lock and clears the failure counters (edge-mfa extension)",
  tags,
  auth: "apiKey",
  responses: {
    200: { description: "`unlocked` says whether a lock was lifted.", schema: z.object({ unlocked: z.boolean() }) },
    404: notFound,
  },
  before: requireUser,
  handler: async (c, _b, _q, { tenantId, loaded, guard }) => {
    const ev = {
      tenantId,
      userId: loaded.user.id,
      info: requestFacts(c).info,
      user: toUserJson(loaded.user, loaded.methods),
    };
    const unlocked = await guard.unlock(c.var.services.now(), ev);
    return c.json({ unlocked });
  },
});

export const trustRoutes = new Hono<AppEnv>();
const trustRoute = apiRoutes(trustRoutes, "/api/user/two-factor/trust");

trustRoute({
  method: "get",
  path: "/:userId",
  summary: "The user's trusted devices (edge-mfa extension)",
  tags,
  auth: "apiKey",
  responses: {
    200: {
      description: "Live trusts; `id` is a reference for revocation, not the twoFactorTrustId.",
      schema: z.object({
        trusts: z.array(
          z
            .object({
              id: z.string(),
              applicationId: z.string().nullable(),
              startInstant: z.number(),
              expiration: z.number(),
              device: z.string(),
            })
            .passthrough(),
        ),
      }),
    },
    404: notFound,
  },
  before: requireUser,
  handler: async (c, _b, _q, { guard }) => {
    const trusts = await guard.listTrusts(c.var.services.now());
    return c.json({
      trusts: trusts.map((t) => ({
        id: t.ref,
        applicationId: t.applicationId,
        startInstant: t.startInstant * 1000,
        expiration: t.expiration * 1000,
        device: describeUserAgent(t.userAgent ?? null).display,
        ...(t.ipAddress ? { ipAddress: t.ipAddress } : {}),
        ...(t.country ? { location: { country: t.country, ...(t.city ? { city: t.city } : {}) } } : {}),
      })),
    });
  },
});

const revokeQuery = z.object({
  trustId: z
    .string()
    .regex(/^[0-9a-f]{24}$/, "must be an id from the trust list")
    .optional(),
});

trustRoute({
  method: "delete",
  path: "/:userId",
  summary: "Revoke one trusted device (`?trustId=`) or all of them (edge-mfa extension)",
  tags,
  auth: "apiKey",
  query: revokeQuery,
  responses: {
    200: { description: "How many trusts ended.", schema: z.object({ revoked: z.number() }) },
    400: { description: "Malformed trustId.", schema: errorsSchema },
    404: notFound,
  },
  before: requireUser,
  handler: async (c, _b, { trustId }, { guard }) => {
    const revoked = await guard.revokeTrusts(trustId ?? null);
    if (trustId && revoked === 0) throw ApiError.notFound();
    return c.json({ revoked });
  },
});
