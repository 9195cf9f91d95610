/**
 * Verification of tokens presented to /oauth2/userinfo and /oauth2/introspect: a JWS signed by one of
 * the token's tenant's published keys (the JWKS), issued by that tenant's issuer, unexpired by the
 * service clock. The tenant is read from the unverified `tid` only to pick the key set; the signature
 * then proves it. HMAC-signed tokens (an application `accessTokenKeyId` naming an HS256 key) are not
 * accepted here: only keys a relying party can verify too.
 */
import { eq } from "drizzle-orm";
import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from "jose";
import { completeTenantSettings } from "../../settings.ts";
import { tenants, type TenantRow } from "../../storage/d1/schema.ts";
import type { Services } from "../container.ts";
import { tenantJwks } from "../signing-keys.ts";

export type VerifiedToken =
  | { status: "ok"; claims: JWTPayload & Record<string, unknown>; tenant: TenantRow }
  | { status: "expired" }
  | { status: "invalid" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_TOKEN_LENGTH = 8192;

export async function verifyIssuedJwt(s: Services, token: string): Promise<VerifiedToken> {
  if (token.length > MAX_TOKEN_LENGTH) return { status: "invalid" };
  let tid: unknown;
  try {
    tid = decodeJwt(token).tid;
  } catch {
    return { status: "invalid" };
  }
  if (typeof tid !== "string" || !UUID.test(tid)) return { status: "invalid" };
  const [tenant] = await s.db.select().from(tenants).where(eq(tenants.id, tid)).limit(1);
  if (!tenant) return { status: "invalid" };
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(await tenantJwks(s, tenant.id)), {
      issuer: completeTenantSettings(tenant.settings).issuer,
      algorithms: ["RS256", "ES256"],
      currentDate: new Date(s.now() * 1000),
    });
    if (payload.tid !== tenant.id) return { status: "invalid" };
    return { status: "ok", claims: payload as JWTPayload & Record<string, unknown>, tenant };
  } catch (err) {
    return err instanceof errors.JWTExpired ? { status: "expired" } : { status: "invalid" };
  }
}

/** id_tokens carry `at_hash` (every id_token edge-mfa mints does); access tokens never do. */
export function isIdToken(claims: Record<string, unknown>): boolean {
  return "at_hash" in claims || "nonce" in claims || "c_hash" in claims;
}
