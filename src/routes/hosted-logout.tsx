/**
 * GET|POST /oauth2/logout (FusionAuth §4.3; OIDC RP-Initiated Logout 1.0 §2, Front-Channel Logout
 * 1.0 §4) and GET /oauth2/error.
 *
 * Logout always ends the SSO session. The target is `post_logout_redirect_uri` (only a registered
 * redirect URL, compared like redirect_uri), else the application's logoutURL, else `/`, with
 * `state` appended. `RedirectOnly` answers 302; `AllApplications` a page that loads every other
 * application's logoutURL of the tenant in hidden iframes and moves on after 2 s (meta refresh).
 */
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import { decodeJwt } from "jose";
import {
  appendQuery,
  isRegisteredRedirectUri,
  normaliseClientId,
  type OAuthError,
} from "../domain/authorize-request.ts";
import type { AppEnv } from "../env.ts";
import { LogoutPage } from "../pages/misc.tsx";
import { loadClient, otherLogoutUrls, verifyIdTokenHint } from "../services/hosted-login.ts";
import { endSsoSession, readSsoSession } from "../services/oauth/grants.ts";
import {
  clearHostedCookie,
  cspSource,
  readParams,
  redirectTo,
  renderError,
  renderPage,
  SSO_COOKIE,
  themeOf,
  type Params,
  hostedError,
} from "./hosted-http.tsx";

type Ctx = Context<AppEnv>;

const invalidHint = (description: string): OAuthError => ({
  error: "invalid_request",
  error_reason: "invalid_id_token_hint",
  error_description: description,
});

async function logout(c: Ctx, p: Params): Promise<Response> {
  const s = c.var.services;
  const cookie = getCookie(c, SSO_COOKIE);
  const session = await readSsoSession(s, cookie);
  await endSsoSession(s, cookie);
  clearHostedCookie(c, SSO_COOKIE);

  const hint = p.id_token_hint;
  if (!p.client_id && !hint) return redirectTo(c, "/");
  let clientId = normaliseClientId(p.client_id);
  if (!clientId && hint) {
    try {
      const aud = decodeJwt(hint).aud;
      clientId = normaliseClientId(Array.isArray(aud) ? aud[0] : aud);
    } catch {
      return renderError(c, invalidHint("The [aud] and/or [tid] claims are invalid."), null);
    }
  }
  const client = await loadClient(s, clientId);
  if (!client)
    return renderError(
      c,
      { error: "invalid_client", error_reason: "invalid_client_id", error_description: "client_id is not valid." },
      null,
    );
  if (hint) {
    const claims = await verifyIdTokenHint(s, client, hint);
    if (!claims) return renderError(c, invalidHint("The [aud] and/or [tid] claims are invalid."), client);
  }
  const o = client.settings.oauthConfiguration;
  const requested = p.post_logout_redirect_uri;
  if (requested && !isRegisteredRedirectUri(o.authorizedRedirectURLs, requested))
    return renderError(
      c,
      {
        error: "invalid_request",
        error_reason: "invalid_post_logout_redirect_uri",
        error_description: `Invalid post_logout_redirect_uri ${requested}`,
      },
      client,
    );
  const base = requested ?? o.logoutURL ?? "/";
  const target = p.state !== undefined ? appendQuery(base, [["state", p.state]]) : base;
  if (o.logoutBehavior === "RedirectOnly") return redirectTo(c, target);

  const frontChannel: [string, string][] = [["iss", client.ctx.settings.issuer]];
  if (session) frontChannel.push(["sid", session.sid]);
  const iframes = (await otherLogoutUrls(s, client)).map((u) => appendQuery(u, frontChannel));
  return renderPage(c, <LogoutPage target={target} iframes={iframes} />, {
    heading: "Logging out",
    theme: themeOf(client),
    frames: iframes.map(cspSource),
    head: <meta http-equiv="Refresh" content={`2; url=${target}`} />,
  });
}

export const hostedLogoutRoutes = new Hono<AppEnv>();
hostedLogoutRoutes.onError(hostedError);

hostedLogoutRoutes.get("/logout", async (c) => logout(c, await readParams(c)));
hostedLogoutRoutes.post("/logout", async (c) => logout(c, await readParams(c)));

/** FusionAuth's error page; only the error codes are shown (no caller-supplied text on our origin). */
hostedLogoutRoutes.get("/error", async (c) => {
  const p = await readParams(c);
  const code = (v: string | undefined) => (v && /^[a-z_]{1,64}$/.test(v) ? v : "");
  return renderError(
    c,
    {
      error: code(p.error) || "invalid_request",
      error_reason: code(p.error_reason),
      error_description: "The request could not be completed.",
    },
    null,
  );
});
