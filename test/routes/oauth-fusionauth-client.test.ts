/**
 * FusionAuth's own TypeScript client (@fusionauth/typescript-client 1.69) against the OAuth endpoints:
 * exchangeOAuthCodeForAccessTokenUsingPKCE, exchangeRefreshTokenForAccessToken,
 * retrieveUserInfoFromAccessToken, retrieveOpenIdConfiguration, introspectAccessToken. The client's
 * request building (paths, parameters, the literal "undefined" values) and response parsing are its
 * own; only its transport is replaced by a fetch routed to the worker under test.
 */
import type { FusionAuthClient as Client } from "@fusionauth/typescript-client";
import * as oidc from "openid-client";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, issueCode, oauthFixture, REDIRECT, routedFetch, type Fixture } from "../support/oauth.ts";

/**
 * The package's browser build (its node build `require`s node-fetch and node:url, which workerd does
 * not have without nodejs_compat). Its url shim reads `window.URLSearchParams`.
 */
let FusionAuthClient: typeof Client;
let RoutedRESTClient: new (host: string) => unknown;

beforeAll(async () => {
  (globalThis as Record<string, unknown>).window ??= globalThis;
  // @ts-expect-error the browser bundle ships without its own declaration file
  const mod: any = await import("@fusionauth/typescript-client/dist/fusionauth-typescript-client.js");
  const lib = mod.default ?? mod;
  FusionAuthClient = lib.FusionAuthClient;
  // The client's own REST class (not exported from the bundle), from a default client's builder.
  const Base = Object.getPrototypeOf(new lib.FusionAuthClient("k", BASE).clientBuilder.build(BASE)).constructor;
  /** The client's own REST class with `go()` over the routed fetch, handling the answer as its own `go()` does. */
  RoutedRESTClient = class extends Base {
    async go(): Promise<any> {
      const res = await routedFetch(this.getFullUrl(), { method: this.method, headers: this.headers, body: this.body });
      if (res.ok) return this.responseHandler(res);
      throw await this.errorResponseHandler(res);
    }
  };
});

function faClient(fx: Fixture): Client {
  const c = new FusionAuthClient("no-api-key-needed", BASE, fx.tenantId);
  c.clientBuilder = { build: (host: string) => new RoutedRESTClient(host) } as any;
  return c;
}

describe("@fusionauth/typescript-client", () => {
  it("PKCE code exchange, userinfo, refresh, discovery and introspection", async () => {
    const fx = await oauthFixture();
    const fa = faClient(fx);
    const verifier = oidc.randomPKCECodeVerifier();
    const code = await issueCode(fx, { codeChallenge: await oidc.calculatePKCECodeChallenge(verifier) });

    const tokens = await fa.exchangeOAuthCodeForAccessTokenUsingPKCE(code, fx.clientId, fx.secret, REDIRECT, verifier);
    expect(tokens.statusCode).toBe(200);
    expect(tokens.response).toMatchObject({
      token_type: "Bearer",
      userId: fx.user.id,
      expires_in: 3600,
      scope: "openid offline_access email profile",
    });
    const at = tokens.response.access_token!;

    const info = await fa.retrieveUserInfoFromAccessToken(at);
    expect(info.response).toMatchObject({ sub: fx.user.id, email: fx.user.email, email_verified: true });

    // The client sends scope and user_code as the text "undefined" when not given.
    const r1 = await fa.exchangeRefreshTokenForAccessToken(
      tokens.response.refresh_token!,
      fx.clientId,
      fx.secret,
      undefined as unknown as string,
      undefined as unknown as string,
    );
    expect(r1.statusCode).toBe(200);
    expect(r1.response.refresh_token).toBe(tokens.response.refresh_token);
    const r2 = await fa.exchangeRefreshTokenForAccessToken(
      tokens.response.refresh_token!,
      fx.clientId,
      fx.secret,
      "openid",
      "",
    );
    expect(r2.response.scope).toBe("openid");

    const config = await fa.retrieveOpenIdConfiguration();
    expect(config.response).toMatchObject({ issuer: fx.issuer, token_endpoint: `${BASE}/oauth2/token` });

    const intro = await fa.introspectAccessToken(fx.clientId, at);
    expect(intro.response).toMatchObject({ active: true, sub: fx.user.id, aud: fx.clientId });
  });

  it("errors reach the client as FusionAuth's: 400 auth_code_not_found, 401 invalid_client", async () => {
    const fx = await oauthFixture();
    const fa = faClient(fx);
    const code = await issueCode(fx, {
      codeChallenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    });
    const wrongVerifier = await fa
      .exchangeOAuthCodeForAccessTokenUsingPKCE(code, fx.clientId, fx.secret, REDIRECT, oidc.randomPKCECodeVerifier())
      .catch((e) => e);
    expect(wrongVerifier.statusCode).toBe(400);
    expect(wrongVerifier.exception).toMatchObject({ error: "invalid_request", error_reason: "auth_code_not_found" });
    const badSecret = await fa
      .exchangeOAuthCodeForAccessTokenUsingPKCE(await issueCode(fx), fx.clientId, "wrong", REDIRECT, "")
      .catch((e) => e);
    expect(badSecret.statusCode).toBe(401);
    expect(badSecret.exception).toMatchObject({ error: "invalid_client" });
  });
});
