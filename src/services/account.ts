/**
 * The self-service account pages' services (/account): the built-in per-tenant "account" OAuth
 * client the pages sign in through, the signed-in user (from the hosted login's SSO session), the
 * security overview, and the step-up proof the pages carry between the confirmation and the change.
 *
 * Every change itself goes through the API's services (enableMethod, enableOobMethod,
 * removeMethods, regenerateRecoveryCodes, startRegistration/completeRegistration, deletePasskey,
 * the UserGuard's trust revocation), so the events, alerts and locks are the API's.
 */
import { and, desc, eq } from "drizzle-orm";
import { sha256 } from "../domain/crypto.ts";
import { hexEncode, utf8 } from "../domain/encoding.ts";
import type { EdgeEvent } from "../domain/events.ts";
import { applications, events, tenants } from "../storage/d1/schema.ts";
import type { Services } from "./container.ts";
import { seal, unseal } from "./hosted-login.ts";
import { readSsoSession, type SsoSession } from "./oauth/grants.ts";
import { tenantContext, type TenantContext } from "./tenant-context.ts";
import { loadUser, type LoadedUser } from "./users.ts";

/** The built-in client's id in a tenant: a UUID derived from the tenant id, so creating it twice is harmless. */
export async function accountClientId(tenantId: string): Promise<string> {
  const h = hexEncode(await sha256(utf8(`edge-mfa:account-client:${tenantId}`)));
  // RFC 9562 §5.8 (version 8, custom) with the RFC 9562 §4.1 variant bits.
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const ACCOUNT_CLIENT_NAME = "Account (built-in)";
const MAX_CALLBACKS = 10;

/**
 * Creates (once) or completes the tenant's built-in account client: authorization_code only, a
 * client secret nobody holds (clientAuthenticationPolicy Required, no secret stored), so a code it
 * receives can never be redeemed; the pages only need the SSO session the login leaves behind.
 * `callback` is this worker's own /account/callback (the origin the request reached).
 */
export async function ensureAccountClient(s: Services, tenantId: string, callback: string): Promise<string> {
  const id = await accountClientId(tenantId);
  const rows = await s.db.select().from(applications).where(eq(applications.id, id)).limit(1);
  const now = s.now();
  const oauth = (urls: string[]) => ({
    oauthConfiguration: {
      authorizedRedirectURLs: urls,
      enabledGrants: ["authorization_code"],
      clientAuthenticationPolicy: "Required",
      proofKeyForCodeExchangePolicy: "Required",
      requireRegistration: false,
    },
  });
  const row = rows[0];
  if (!row) {
    await s.db
      .insert(applications)
      .values({
        id,
        tenantId,
        name: ACCOUNT_CLIENT_NAME,
        settings: oauth([callback]),
        clientSecretHash: null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing();
    return id;
  }
  const settings = row.settings as { oauthConfiguration?: { authorizedRedirectURLs?: string[] } };
  const urls = settings.oauthConfiguration?.authorizedRedirectURLs ?? [];
  if (!urls.includes(callback)) {
    await s.db
      .update(applications)
      .set({ settings: { ...settings, ...oauth([...urls, callback].slice(-MAX_CALLBACKS)) }, updatedAt: now })
      .where(eq(applications.id, id));
  }
  return id;
}

/** The tenant a signed-out visitor names (`tenantId`, or an application's `client_id` as FusionAuth's account pages take). */
export async function tenantFor(s: Services, q: { tenantId?: string; clientId?: string }): Promise<string | null> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (q.tenantId && uuid.test(q.tenantId)) {
    const rows = await s.db
      .select({ id: tenants.id })
      .from(tenants)
      .where(eq(tenants.id, q.tenantId.toLowerCase()))
      .limit(1);
    return rows[0]?.id ?? null;
  }
  if (q.clientId && uuid.test(q.clientId)) {
    const rows = await s.db
      .select({ tenantId: applications.tenantId })
      .from(applications)
      .where(eq(applications.id, q.clientId.toLowerCase()))
      .limit(1);
    return rows[0]?.tenantId ?? null;
  }
  return null;
}

export type AccountSession = { session: SsoSession; ctx: TenantContext; loaded: LoadedUser };

/** The signed-in user of the SSO cookie: a live session of an active user of an existing tenant, else null. */
export async function accountSession(s: Services, cookie: string | undefined): Promise<AccountSession | null> {
  const session = await readSsoSession(s, cookie);
  if (!session) return null;
  const [rows, loaded] = await Promise.all([
    s.db.select().from(tenants).where(eq(tenants.id, session.tenantId)).limit(1),
    loadUser(s.db, session.tenantId, { by: "id", id: session.userId }),
  ]);
  if (!rows[0] || !loaded?.user.active) return null;
  return { session, ctx: tenantContext(rows[0]), loaded };
}

/** The user's most recent events (the same D1 rows `GET /api/event?userId=` answers), newest first. */
export async function recentEvents(s: Services, tenantId: string, userId: string, limit = 10): Promise<EdgeEvent[]> {
  const rows = await s.db
    .select({ payload: events.payload })
    .from(events)
    .where(and(eq(events.tenantId, tenantId), eq(events.userId, userId)))
    .orderBy(desc(events.createInstant))
    .limit(limit);
  return rows.map((r) => r.payload as EdgeEvent);
}

// ---- The step-up proof between the confirmation page and the change ----------------------------

/** A trustToken from a completed step-up, bound to the SSO session it was earned in. */
type HeldProof = { sid: string; action: string; token: string };
const PROOF_PURPOSE = "account-step-up";
/** NIST SP 800-63B §4.2.3 re-authentication: the proof is good for 5 minutes (and once, by the UserGuard). */
export const PROOF_TTL_SECONDS = 300;

export function sealProof(s: Services, proof: HeldProof): Promise<string> {
  return seal(s, PROOF_PURPOSE, proof, s.now() + PROOF_TTL_SECONDS);
}

/** The held trustToken for `action` in this session, or null. Holding it proves nothing: the UserGuard consumes it. */
export async function heldProof(
  s: Services,
  sealed: string | undefined,
  session: SsoSession,
  action: string,
): Promise<string | null> {
  const p = await unseal<HeldProof>(s, PROOF_PURPOSE, sealed);
  return p && p.sid === session.sid && p.action === action ? p.token : null;
}
