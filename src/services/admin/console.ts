/**
 * The admin console's identity model and session.
 *
 * - Admins are users of the built-in **system tenant** registered to the built-in **admin
 *   application** (fixed ids below, created by `npm run admin:create` / `npm run dev`). Role `admin`
 *   = global admin (every tenant); role `tenant-admin` = the admin of the one tenant named by the
 *   registration's `data.tenantId`. Any other registration is not an admin.
 * - The console signs in like any OAuth client of edge-mfa (authorization code + PKCE, RFC 7636),
 *   and accepts the access token only if it verifies against the system tenant's JWKS, was issued
 *   to the admin application, and its RFC 8176 `amr` shows a second factor ("mfa"): the admin
 *   application's loginPolicy is Required, and the console refuses a token without one anyway
 *   (NIST SP 800-63B §4.2: AAL2 for administrators).
 * - The session is a sealed (AES-GCM) HttpOnly cookie with a 15-minute idle timeout (re-sealed on
 *   each request) and an 8-hour absolute limit (OWASP Session Management: idle and absolute
 *   timeouts). Every request re-reads the registration, so a revoked role ends the session at once.
 */
import { findRegistration } from "../registrations.ts";
import type { Services } from "../container.ts";
import { seal, unseal } from "../hosted-login.ts";

export const SYSTEM_TENANT_ID = "00000000-0000-4000-8000-0000000ad000";
export const ADMIN_APPLICATION_ID = "00000000-0000-4000-8000-0000000ad001";
export const GLOBAL_ADMIN_ROLE = "admin";
export const TENANT_ADMIN_ROLE = "tenant-admin";
export const ADMIN_SESSION_IDLE_SECONDS = 15 * 60;
export const ADMIN_SESSION_MAX_SECONDS = 8 * 3600;

/** Where an admin may act: every tenant, or exactly one. */
export type AdminScope = { kind: "global" } | { kind: "tenant"; tenantId: string };

export type AdminSession = {
  /** Random session id: the CSRF token is derived from it. */
  sid: string;
  userId: string;
  email: string | null;
  /** Unix seconds the session started (for the absolute limit). */
  started: number;
};

export type Admin = AdminSession & { scope: AdminScope };

const PURPOSE = "admin-session";

export function sealAdminSession(s: Services, session: AdminSession): Promise<string> {
  const expires = Math.min(s.now() + ADMIN_SESSION_IDLE_SECONDS, session.started + ADMIN_SESSION_MAX_SECONDS);
  return seal(s, PURPOSE, session, expires);
}

export function openAdminSession(s: Services, cookie: string | undefined): Promise<AdminSession | null> {
  return unseal<AdminSession>(s, PURPOSE, cookie);
}

/** The admin scope the user's registration to the admin application grants, or null (not an admin). */
export async function adminScope(s: Services, userId: string): Promise<AdminScope | null> {
  const reg = await findRegistration(s, SYSTEM_TENANT_ID, userId, ADMIN_APPLICATION_ID);
  if (!reg) return null;
  if (reg.roles.includes(GLOBAL_ADMIN_ROLE)) return { kind: "global" };
  const tenantId = reg.data?.tenantId;
  if (reg.roles.includes(TENANT_ADMIN_ROLE) && typeof tenantId === "string" && tenantId !== SYSTEM_TENANT_ID)
    return { kind: "tenant", tenantId: tenantId.toLowerCase() };
  return null;
}

/** RFC 8176: "mfa" is set only when a second factor completed this login (never for a trusted-device skip). */
export function hasSecondFactor(amr: unknown): boolean {
  return Array.isArray(amr) && amr.includes("mfa");
}

/** Whether the admin may act in `tenantId`. The system tenant is never managed through the console. */
export function mayManage(scope: AdminScope, tenantId: string): boolean {
  if (tenantId === SYSTEM_TENANT_ID) return false;
  return scope.kind === "global" || scope.tenantId === tenantId;
}
