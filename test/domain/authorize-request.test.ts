/** /oauth2/authorize validation: FusionAuth's order, rendered vs redirected errors, exact redirect_uri matching, iss. */
import { describe, expect, it } from "vitest";
import {
  appendQuery,
  errorParams,
  isRegisteredRedirectUri,
  successParams,
  validateAuthorizeRequest,
  type AuthorizeClient,
} from "../../src/domain/authorize-request.ts";

const CLIENT: AuthorizeClient = {
  id: "0b7d2f0e-5a61-4a8e-9f0a-2b0c4a3e1d11",
  tenantId: "7c1e2d3f-0000-4000-8000-000000000001",
  authorizedRedirectURLs: ["https://app.example/callback", "https://*.example/cb"],
  proofKeyForCodeExchangePolicy: "NotRequired",
  enabledGrants: ["authorization_code", "refresh_token"],
  unknownScopePolicy: "Reject",
};
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const ok = { client_id: CLIENT.id, redirect_uri: "https://app.example/callback", response_type: "code" };

function reason(o: ReturnType<typeof validateAuthorizeRequest>) {
  return o.kind === "ok" ? "ok" : `${o.kind}:${o.error.error}/${o.error.error_reason}`;
}

describe("validateAuthorizeRequest", () => {
  it("accepts a minimal code request with PKCE S256", () => {
    const o = validateAuthorizeRequest(
      { ...ok, code_challenge: CHALLENGE, code_challenge_method: "S256", scope: "openid email", state: "s1" },
      CLIENT,
    );
    expect(o).toMatchObject({
      kind: "ok",
      request: { codeChallenge: CHALLENGE, scopes: ["openid", "email"], state: "s1", responseMode: "query" },
    });
  });

  it("renders (never redirects) while redirect_uri or client is untrusted, in FusionAuth's order", () => {
    expect(reason(validateAuthorizeRequest({ client_id: "nope" }, null))).toBe(
      "render:invalid_request/missing_redirect_uri",
    );
    expect(reason(validateAuthorizeRequest({ ...ok, client_id: "nope" }, null))).toBe(
      "render:invalid_client/invalid_client_id",
    );
    expect(reason(validateAuthorizeRequest({ ...ok, tenantId: crypto.randomUUID() }, CLIENT))).toBe(
      "render:invalid_client/invalid_client_id",
    );
    // PKCE syntax is checked before the redirect_uri is authorised.
    expect(
      reason(
        validateAuthorizeRequest({ ...ok, redirect_uri: "https://evil.example/", code_challenge: "short" }, CLIENT),
      ),
    ).toBe("render:invalid_request/invalid_pkce_code_challenge");
    expect(
      reason(validateAuthorizeRequest({ ...ok, code_challenge: CHALLENGE, code_challenge_method: "plain" }, CLIENT)),
    ).toBe("render:invalid_request/invalid_pkce_code_challenge_method");
    expect(reason(validateAuthorizeRequest({ ...ok, redirect_uri: "https://evil.example/callback" }, CLIENT))).toBe(
      "render:invalid_request/invalid_redirect_uri",
    );
  });

  it("redirects the errors found once the redirect_uri is trusted, with state", () => {
    const cases: [Record<string, string>, string, AuthorizeClient?][] = [
      [{ response_type: "" }, "redirect:invalid_request/missing_response_type"],
      [{ response_type: "token" }, "redirect:unsupported_response_type/invalid_response_type"],
      [{ response_type: "id_token token" }, "redirect:unsupported_response_type/invalid_response_type"],
      [{}, "redirect:invalid_request/missing_code_challenge", { ...CLIENT, proofKeyForCodeExchangePolicy: "Required" }],
      [{ response_mode: "fragment" }, "redirect:invalid_request/invalid_response_mode"],
      [{}, "redirect:unauthorized_client/grant_type_disabled", { ...CLIENT, enabledGrants: ["refresh_token"] }],
      [{ scope: "openid admin" }, "redirect:invalid_scope/unknown_scope"],
      [{ prompt: "none login" }, "redirect:invalid_request/invalid_prompt"],
    ];
    for (const [extra, want, client] of cases) {
      const o = validateAuthorizeRequest({ ...ok, state: "xyz", ...extra }, client ?? CLIENT);
      expect(reason(o), JSON.stringify(extra)).toBe(want);
      if (o.kind === "redirect") expect(o.state).toBe("xyz");
    }
  });

  it("honours unknownScopePolicy Remove and Allow", () => {
    const r = validateAuthorizeRequest({ ...ok, scope: "openid admin" }, { ...CLIENT, unknownScopePolicy: "Remove" });
    expect(r.kind === "ok" && r.request.scopes).toEqual(["openid"]);
    const a = validateAuthorizeRequest({ ...ok, scope: "openid admin" }, { ...CLIENT, unknownScopePolicy: "Allow" });
    expect(a.kind === "ok" && a.request.scopes).toEqual(["openid", "admin"]);
  });

  it("parses prompt and max_age=0 as a forced login, and form_post", () => {
    const o = validateAuthorizeRequest({ ...ok, prompt: "none", response_mode: "form_post" }, CLIENT);
    expect(o.kind === "ok" && [o.request.prompt, o.request.responseMode]).toEqual([
      { none: true, login: false },
      "form_post",
    ]);
    const m = validateAuthorizeRequest({ ...ok, max_age: "0" }, CLIENT);
    expect(m.kind === "ok" && m.request.prompt.login).toBe(true);
  });
});

describe("isRegisteredRedirectUri (ExactMatch)", () => {
  const list = ["https://App.Example:8443/cb?x=1", "https://*.example/cb"];
  it("compares scheme and host case-insensitively, everything else exactly", () => {
    expect(isRegisteredRedirectUri(list, "HTTPS://app.example:8443/cb?x=1")).toBe(true);
    expect(isRegisteredRedirectUri(list, "https://app.example:8443/cb/?x=1")).toBe(false);
    expect(isRegisteredRedirectUri(list, "https://app.example:8443/CB?x=1")).toBe(false);
    expect(isRegisteredRedirectUri(list, "https://app.example/cb?x=1")).toBe(false);
    expect(isRegisteredRedirectUri(list, "https://app.example:8443/cb?x=1&y=2")).toBe(false);
    expect(isRegisteredRedirectUri(list, "https://app.example:8443/cb?x=1#f")).toBe(false);
  });
  it("ignores wildcard entries", () => {
    expect(isRegisteredRedirectUri(list, "https://a.example/cb")).toBe(false);
    expect(isRegisteredRedirectUri(list, "https://*.example/cb")).toBe(false);
  });
});

describe("redirect parameters", () => {
  it("always carry iss, on success and on error, and keep the client's query", () => {
    expect(appendQuery("https://app.example/cb?a=1", successParams("C", "https://issuer", "s", "Authenticated"))).toBe(
      "https://app.example/cb?a=1&code=C&iss=https%3A%2F%2Fissuer&state=s&userState=Authenticated",
    );
    const e = { error: "login_required", error_reason: "authentication_required", error_description: "x y" };
    expect(appendQuery("https://app.example/cb", errorParams(e, "iss", null))).toBe(
      "https://app.example/cb?error=login_required&error_reason=authentication_required&error_description=x+y&iss=iss",
    );
  });
});
