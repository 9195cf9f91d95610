/**
 * The admin console's user pages (issue 14): search, one user's methods, recovery codes, lock,
 * trusted devices and passkeys, and the tenant's events and audit log. Split from admin.tsx along
 * its sections; mounted by it, so its session, CSRF and 404 handling apply.
 */
import { Hono } from "hono";
import { isLocked } from "../domain/lockout.ts";
import { methodFactor } from "../factors/registry.ts";
import { ShownOnce } from "../pages/admin/components.tsx";
import { AuditPage } from "../pages/admin/audit.tsx";
import { EventsPage, UserPage, UserSearch } from "../pages/admin/users.tsx";
import { searchAuditLog } from "../services/admin/audit-log.ts";
import { listEvents } from "../services/admin/events.ts";
import {
  adminDeletePasskey,
  adminRegenerateRecoveryCodes,
  adminRemoveMethod,
  adminRevokeTrusts,
  adminUnlock,
  requireTenantUser,
  searchUsers,
} from "../services/admin/users.ts";
import type { TenantRow } from "../storage/d1/schema.ts";
import { consoleChange, type AdminEnv } from "./admin-auth.tsx";
import { managedTenant, page, pathId, UUID, type Ctx } from "./admin-pages-shared.tsx";

export const userRoutes = new Hono<AdminEnv>();

// ---- Users ----------------------------------------------------------------------------------------

userRoutes.get("/tenants/:tenantId/users", async (c) => {
  const t = await managedTenant(c);
  const q = (c.req.query("q") ?? "").slice(0, 256);
  const users = await searchUsers(c.var.services, t.id, q);
  return page(c, "Users", t, "users", <UserSearch tenantId={t.id} q={q} users={users} />);
});

async function userPage(
  c: Ctx,
  t: TenantRow,
  userId: string,
  notice: { error?: string | null; info?: string | null } = {},
  codes?: string[],
) {
  const s = c.var.services;
  const loaded = await requireTenantUser(s, t.id, userId);
  const guard = s.guard(t.id, userId);
  const [lock, trusts] = await Promise.all([guard.lockState(), guard.listTrusts(s.now())]);
  const u = loaded.user;
  const detail = {
    id: u.id,
    label: u.email ?? u.username ?? u.id,
    methods: loaded.methods.map((m) => ({
      id: m.id,
      label: methodFactor(m).label,
      detail: m.email ?? m.mobilePhone ?? m.name ?? "",
    })),
    recoveryCodes: loaded.unusedRecoveryCodes,
    locked: isLocked(lock, s.now()),
    trustedDevices: trusts.length,
    passkeys: loaded.passkeys.map((k) => ({ id: k.id, name: k.displayName ?? k.id })),
  };
  return page(
    c,
    `User ${detail.label}`,
    t,
    "users",
    <>
      {codes ? <ShownOnce label="New recovery codes" value={codes.join(" ")} /> : null}
      <UserPage tenantId={t.id} u={detail} csrf={c.var.csrf} />
    </>,
    notice,
  );
}

userRoutes.get("/tenants/:tenantId/users/:userId", async (c) =>
  userPage(c, await managedTenant(c), pathId(c, "userId")),
);

userRoutes.post("/tenants/:tenantId/users/:userId/methods/:methodId/remove", async (c) => {
  const t = await managedTenant(c);
  const userId = pathId(c, "userId");
  await adminRemoveMethod(c.var.services, consoleChange(c), t, userId, c.req.param("methodId") ?? "");
  return userPage(c, t, userId, { info: "Method removed." });
});

userRoutes.post("/tenants/:tenantId/users/:userId/recovery-codes", async (c) => {
  const t = await managedTenant(c);
  const userId = pathId(c, "userId");
  const codes = await adminRegenerateRecoveryCodes(c.var.services, consoleChange(c), t, userId);
  return userPage(c, t, userId, {}, codes);
});

userRoutes.post("/tenants/:tenantId/users/:userId/unlock", async (c) => {
  const t = await managedTenant(c);
  const userId = pathId(c, "userId");
  await adminUnlock(c.var.services, consoleChange(c), t.id, userId);
  return userPage(c, t, userId, { info: "Unlocked." });
});

userRoutes.post("/tenants/:tenantId/users/:userId/trust/revoke", async (c) => {
  const t = await managedTenant(c);
  const userId = pathId(c, "userId");
  await adminRevokeTrusts(c.var.services, consoleChange(c), t.id, userId);
  return userPage(c, t, userId, { info: "Trusted devices revoked." });
});

userRoutes.post("/tenants/:tenantId/users/:userId/passkeys/:passkeyId/delete", async (c) => {
  const t = await managedTenant(c);
  const userId = pathId(c, "userId");
  await adminDeletePasskey(c.var.services, consoleChange(c), t.id, userId, c.req.param("passkeyId") ?? "");
  return userPage(c, t, userId, { info: "Passkey deleted." });
});

// ---- Events, audit ----------------------------------------------------------------------------------

userRoutes.get("/tenants/:tenantId/events", async (c) => {
  const t = await managedTenant(c);
  const userId = c.req.query("userId") ?? "";
  const type = c.req.query("type") ?? "";
  const events = await listEvents(c.var.services, t.id, {
    userId: UUID.test(userId) ? userId : undefined,
    type: type || undefined,
    limit: 50,
  });
  return page(c, "Events", t, "events", <EventsPage tenantId={t.id} userId={userId} type={type} events={events} />);
});

userRoutes.get("/tenants/:tenantId/audit", async (c) => {
  const t = await managedTenant(c);
  const { rows, total } = await searchAuditLog(c.var.services, t.id, { startRow: 0, numberOfResults: 100 });
  return page(c, "Audit log", t, "audit", <AuditPage rows={rows} total={total} />);
});
