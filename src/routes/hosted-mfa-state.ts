/**
 * What every hosted second-factor page starts from (./hosted-two-factor.tsx, ./hosted-two-factor-enable.tsx):
 * the validated OAuth request, its sealed login context and the user, and the fields each page carries.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { openLoginContext, type LoginContext } from "../services/hosted-login.ts";
import { loadUser, type LoadedUser } from "../services/users.ts";
import { toLogin } from "./hosted-authorize.tsx";
import { csrfFor, oauthFields, validated, type Params, type Validated } from "./hosted-http.tsx";

export type Ctx = Context<AppEnv>;
export type Mfa = { v: Validated; lc: LoginContext; loaded: LoadedUser };

export const RATE_LIMITED = "A code was sent recently. Please wait before requesting another one.";

/** The validated OAuth request, its sealed login context and the user; else the answer to send. */
export async function mfaState(c: Ctx, params: Params): Promise<Mfa | Response> {
  const v = await validated(c, params);
  if (v instanceof Response) return v;
  const s = c.var.services;
  const lc = await openLoginContext(s, params.oauth_context, {
    clientId: v.client.app.id,
    twoFactorId: params.twoFactorId,
  });
  // Bound to this browser (its CSRF cookie) and to the client's tenant.
  if (!lc || lc.t !== v.client.ctx.tenant.id || lc.b !== (await csrfFor(c))) return toLogin(c, v, "timeout");
  const loaded = await loadUser(s.db, lc.t, { by: "id", id: lc.u });
  if (!loaded) return toLogin(c, v, "timeout");
  return { v, lc, loaded };
}

/** The MFA pages' carried fields: OAuth parameters, twoFactorId and the sealed context. */
export function mfaFields(m: Mfa): [string, string][] {
  return [...oauthFields(m.v.params), ["twoFactorId", m.lc.f], ["oauth_context", m.v.params.oauth_context!]];
}
