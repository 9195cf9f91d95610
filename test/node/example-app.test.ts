/**
 * examples/express-mfa without edge-mfa: the parts that do not depend on the server (PKCE, state and
 * `iss` checks, access-token verification by `kid`, cookie signing, CSRF, escaping), and the whole
 * login flow of the app against a stand-in authorization server in this process that signs with a
 * locally generated RS256 key. test/e2e/example-app.e2e.test.ts runs the same app against a real
 * `wrangler dev`.
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import jsQR from "jsqr";
import * as OTPAuth from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleApp } from "../../examples/express-mfa/lib/app.mjs";
import type { Config } from "../../examples/express-mfa/lib/config.mjs";
import {
  authorizeUrl,
  checkCallback,
  pkcePair,
  s256,
  verifyAccessToken,
} from "../../examples/express-mfa/lib/oauth.mjs";
import { esc, html, otpauthUri, qrSvg } from "../../examples/express-mfa/lib/pages.mjs";
import {
  COOKIE_NAME,
  createSessionStore,
  csrfOk,
  parseCookies,
  sessionCookie,
  signId,
  unsignId,
} from "../../examples/express-mfa/lib/session.mjs";

// ---------------------------------------------------------------------------------------------
// node:http, typed as far as used (the repo's tsconfig has no @types/node; a computed specifier keeps it that way).

type Req = AsyncIterable<Uint8Array> & { method?: string; url?: string; headers: Record<string, string | undefined> };
type Res = { writeHead(status: number, headers?: Record<string, string>): void; end(body?: string): void };
type HttpServer = {
  listen(port: number, host: string, cb: () => void): void;
  address(): { port: number };
  close(cb?: () => void): void;
};
type Http = { createServer(handler: (req: Req, res: Res) => void): HttpServer };

async function listen(handler: (req: Req, res: Res) => void): Promise<{ server: HttpServer; url: string }> {
  const http = (await import(/* @vite-ignore */ `node:${"http"}`)) as Http;
  const server = http.createServer(handler);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

async function bodyOf(req: Req): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of req) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

// ---------------------------------------------------------------------------------------------

const ISSUER = "https://issuer.example";
const CLIENT_ID = "3c219e58-ed0e-4b18-ad48-f4f92793ae32";
const TENANT_ID = "0b6f8a8e-8c4c-4f3b-9d1a-1b2c3d4e5f60";
const USER_ID = "00000000-0000-4000-8000-000000000001";
const EMAIL = "richard@example.com";

async function rsaKey(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { privateKey, jwk };
}

type SignKey = Awaited<ReturnType<typeof rsaKey>>["privateKey"];

function accessToken(
  key: SignKey,
  kid: string | undefined,
  claims: Record<string, unknown> = {},
  alg = "RS256",
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const defaults = { iss: ISSUER, aud: CLIENT_ID, sub: USER_ID, iat: now, exp: now + 3600, tid: TENANT_ID };
  return new SignJWT({ ...defaults, scope: "openid email profile offline_access", ...claims })
    .setProtectedHeader({ alg, typ: "JWT", ...(kid ? { kid } : {}) })
    .sign(key);
}

describe("PKCE and the authorization request", () => {
  it("S256 of RFC 7636 Appendix B's verifier is its challenge", () => {
    expect(s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("a fresh pair: 43 unreserved characters (RFC 7636 §4.1), S256 challenge, never repeated", () => {
    const a = pkcePair();
    const b = pkcePair();
    expect(a.verifier).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
    expect(a.challenge).toBe(s256(a.verifier));
    expect(a.method).toBe("S256");
    expect(b.verifier).not.toBe(a.verifier);
  });

  it("the authorize URL carries client, redirect, code flow, scope, state and the S256 challenge", () => {
    const url = new URL(
      authorizeUrl({
        authorizationEndpoint: "http://127.0.0.1:8787/oauth2/authorize",
        clientId: CLIENT_ID,
        redirectUri: "http://localhost:3000/oauth-redirect",
        state: "s1",
        codeChallenge: "c1",
      }),
    );
    expect(url.origin + url.pathname).toBe("http://127.0.0.1:8787/oauth2/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CLIENT_ID,
      redirect_uri: "http://localhost:3000/oauth-redirect",
      response_type: "code",
      scope: "openid email profile offline_access",
      state: "s1",
      code_challenge: "c1",
      code_challenge_method: "S256",
    });
  });
});

describe("checking the authorization response (state, RFC 9207 iss)", () => {
  const expected = { state: "the-state", issuer: ISSUER };
  const q = (o: Record<string, string>) => new URLSearchParams(o);

  it("accepts the code when state and iss match", () => {
    expect(checkCallback(q({ code: "c", state: "the-state", iss: ISSUER }), expected)).toEqual({ ok: true, code: "c" });
  });
  it("refuses a missing iss, another issuer, a wrong or missing state, and no code", () => {
    const bad = [
      q({ code: "c", state: "the-state" }),
      q({ code: "c", state: "the-state", iss: "https://evil.example" }),
      q({ code: "c", state: "the-state ", iss: ISSUER }),
      q({ code: "c", iss: ISSUER }),
      q({ state: "the-state", iss: ISSUER }),
    ];
    for (const query of bad) expect(checkCallback(query, expected).ok, query.toString()).toBe(false);
    expect(checkCallback(q({ code: "c", state: "x", iss: ISSUER }), { state: undefined, issuer: ISSUER }).ok).toBe(
      false,
    );
  });
  it("reports an error response once state and iss check out", () => {
    const r = checkCallback(
      q({ error: "access_denied", error_description: "No.", state: "the-state", iss: ISSUER }),
      expected,
    );
    expect(r).toEqual({ ok: false, reason: "access_denied: No." });
  });
});

describe("access-token verification with a locally generated key", () => {
  let signer: Awaited<ReturnType<typeof rsaKey>>;
  let other: Awaited<ReturnType<typeof rsaKey>>;
  let jwks: ReturnType<typeof createLocalJWKSet>;
  const opts = () => ({ jwks, issuer: ISSUER, audience: CLIENT_ID });

  beforeAll(async () => {
    signer = await rsaKey("kid-1");
    other = await rsaKey("kid-2");
    jwks = createLocalJWKSet({ keys: [signer.jwk, other.jwk] });
  });

  it("verifies the signature by kid and returns the claims", async () => {
    const { payload, header } = await verifyAccessToken(await accessToken(signer.privateKey, "kid-1"), opts());
    expect(payload.sub).toBe(USER_ID);
    expect(header.kid).toBe("kid-1");
    expect(header.alg).toBe("RS256");
  });
  it("refuses a token whose kid names another key", async () => {
    await expect(verifyAccessToken(await accessToken(signer.privateKey, "kid-2"), opts())).rejects.toThrow();
  });
  it("refuses a token without kid", async () => {
    await expect(verifyAccessToken(await accessToken(signer.privateKey, undefined), opts())).rejects.toThrow(/kid/);
  });
  it("refuses an unknown kid", async () => {
    await expect(verifyAccessToken(await accessToken(signer.privateKey, "kid-9"), opts())).rejects.toThrow();
  });
  it("refuses another issuer, another audience, an expired token", async () => {
    const k = signer.privateKey;
    await expect(
      verifyAccessToken(await accessToken(k, "kid-1", { iss: "https://evil.example" }), opts()),
    ).rejects.toThrow();
    await expect(verifyAccessToken(await accessToken(k, "kid-1", { aud: "someone-else" }), opts())).rejects.toThrow();
    const past = Math.floor(Date.now() / 1000) - 7200;
    await expect(verifyAccessToken(await accessToken(k, "kid-1", { exp: past }), opts())).rejects.toThrow();
  });
  it("refuses an HMAC-signed token even when it names a published kid", async () => {
    const hs = await accessToken(new TextEncoder().encode("x".repeat(32)) as unknown as SignKey, "kid-1", {}, "HS256");
    await expect(verifyAccessToken(hs, opts())).rejects.toThrow();
  });
});

describe("session cookie and CSRF", () => {
  it("a signed id round-trips; a changed id or signature, or another secret, does not", () => {
    const v = signId("abc", "secret-1");
    expect(unsignId(v, "secret-1")).toBe("abc");
    expect(unsignId(v, "secret-2")).toBeUndefined();
    expect(unsignId(`abd${v.slice(3)}`, "secret-1")).toBeUndefined();
    expect(unsignId(`${v.slice(0, -1)}A`, "secret-1")).toBeUndefined();
    expect(unsignId("abc", "secret-1")).toBeUndefined();
    expect(unsignId(undefined, "secret-1")).toBeUndefined();
  });

  it("the cookie is HttpOnly, SameSite=Lax, Path=/, Secure only over https", () => {
    expect(sessionCookie("v", { secure: false })).toBe(`${COOKIE_NAME}=v; Path=/; HttpOnly; SameSite=Lax`);
    expect(sessionCookie("v", { secure: true, maxAgeSeconds: 0 })).toBe(
      `${COOKIE_NAME}=v; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0`,
    );
    expect(parseCookies("a=1; example_session=x.y; a=2")).toEqual({ a: "1", example_session: "x.y" });
  });

  it("sessions: found by their signed cookie, renewed under a new id and CSRF token, expire when idle", () => {
    let t = 1_000;
    const store = createSessionStore({ secret: "k", idleMs: 100, now: () => t });
    const s = store.create();
    const cookie = store.cookieValue(s);
    expect(store.get(cookie)?.id).toBe(s.id);
    expect(store.get(signId(s.id, "other"))).toBeUndefined();
    const renewed = store.renew(s);
    expect(renewed.id).not.toBe(s.id);
    expect(renewed.csrf).not.toBe(s.csrf);
    expect(store.get(cookie)).toBeUndefined();
    t += 101;
    expect(store.get(store.cookieValue(renewed))).toBeUndefined();
  });

  it("CSRF: only the session's own token passes", () => {
    const s = createSessionStore({ secret: "k" }).create();
    expect(csrfOk(s, s.csrf)).toBe(true);
    expect(csrfOk(s, `${s.csrf}x`)).toBe(false);
    expect(csrfOk(s, null)).toBe(false);
    expect(csrfOk(undefined, s.csrf)).toBe(false);
  });
});

describe("pages", () => {
  it("escapes interpolated values", () => {
    expect(esc(`<a href="x">'&`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
    expect(html`<p>${"<script>"}</p>`.value).toBe("<p>&lt;script&gt;</p>");
  });
  it("the QR code's SVG decodes (jsQR, an independent decoder) to the otpauth URI", () => {
    const uri = otpauthUri({
      issuer: "edge-mfa",
      account: "dev@example.com",
      secretBase32: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    });
    const svg = qrSvg(uri).value;
    // qrcode-generator draws each dark module as `M<x>,<y>l4,0 0,4 -4,0 0,-4z` in a `0 0 <size> <size>` viewBox.
    const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)![1]);
    const scale = 2;
    const width = size * scale;
    const rgba = new Uint8ClampedArray(width * width * 4).fill(255);
    for (const m of svg.matchAll(/M(\d+),(\d+)l4,0 0,4 -4,0 0,-4z/g))
      for (let dy = 0; dy < 4 * scale; dy++)
        for (let dx = 0; dx < 4 * scale; dx++) {
          const i = ((Number(m[2]) * scale + dy) * width + Number(m[1]) * scale + dx) * 4;
          rgba.fill(0, i, i + 3);
        }
    expect(jsQR(rgba, width, width)?.data).toBe(uri);
  });
  it("the otpauth URI parses (otpauth npm) to the same secret, issuer and account", () => {
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    const parsed = OTPAuth.URI.parse(
      otpauthUri({ issuer: "edge mfa", account: "a+b@example.com", secretBase32: secret }),
    );
    expect(parsed).toBeInstanceOf(OTPAuth.TOTP);
    expect(parsed.secret.base32).toBe(secret);
    expect(parsed.issuer).toBe("edge mfa");
    expect(parsed.label).toBe("a+b@example.com");
  });
});

// ---------------------------------------------------------------------------------------------
// The app against a stand-in edge-mfa: its login flow and the authenticator enrolment.

describe("the example app against a stand-in edge-mfa (authorization server and two-factor API)", () => {
  let signer: Awaited<ReturnType<typeof rsaKey>>;
  let impostor: Awaited<ReturnType<typeof rsaKey>>;
  let as: { server: HttpServer; url: string };
  let example: { server: HttpServer; url: string };
  /** What the token endpoint received, last call first. */
  const tokenRequests: URLSearchParams[] = [];
  /** What POST /api/user/two-factor/{userId} received. */
  const enableRequests: Array<{
    path: string;
    authorization?: string;
    tenant?: string;
    body: Record<string, unknown>;
  }> = [];
  /** Which key the next access token is signed with. */
  let signWith: "signer" | "impostor" = "signer";

  beforeAll(async () => {
    signer = await rsaKey("kid-1");
    impostor = await rsaKey("kid-1"); // same kid, another key
    as = await listen(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === `/.well-known/openid-configuration/${TENANT_ID}`)
        return json(200, {
          issuer: ISSUER,
          authorization_endpoint: `${as.url}/oauth2/authorize`,
          jwks_uri: `${as.url}/${TENANT_ID}/.well-known/jwks.json`,
        });
      if (url.pathname === `/${TENANT_ID}/.well-known/jwks.json`) return json(200, { keys: [signer.jwk] });
      if (url.pathname === "/oauth2/token" && req.method === "POST") {
        const form = new URLSearchParams(await bodyOf(req));
        tokenRequests.unshift(form);
        const key = signWith === "signer" ? signer.privateKey : impostor.privateKey;
        return json(200, { access_token: await accessToken(key, "kid-1"), token_type: "Bearer", expires_in: 3600 });
      }
      if (url.pathname === "/oauth2/userinfo") return json(200, { sub: USER_ID, email: EMAIL });
      if (url.pathname === "/api/two-factor/secret")
        return json(200, { secret: "c2VjcmV0LXNlY3JldC0x", secretBase32Encoded: "ONSWG4TFOQWXGZLDOJSXILJR" });
      if (url.pathname.startsWith("/api/user/two-factor/") && req.method === "POST") {
        const body = JSON.parse(await bodyOf(req));
        enableRequests.unshift({
          path: url.pathname,
          authorization: req.headers.authorization,
          tenant: req.headers["x-fusionauth-tenantid"],
          body,
        });
        if (body.code !== "123456") {
          res.writeHead(421); // FusionAuth: wrong code, empty body
          return res.end();
        }
        return json(200, { recoveryCodes: Array.from({ length: 10 }, (_, i) => `RC${i}AAAAAA`) });
      }
      if (url.pathname === `/api/user/${USER_ID}`)
        return json(200, { user: { id: USER_ID, email: EMAIL, twoFactor: { methods: [] } } });
      res.writeHead(404);
      res.end();
    });
    const config: Config = {
      edgeMfaUrl: as.url,
      tenantId: TENANT_ID,
      clientId: CLIENT_ID,
      clientSecret: "client-secret-1",
      apiKey: "api-key-1",
      exampleUrl: "http://localhost:3000",
      redirectUri: "http://localhost:3000/oauth-redirect",
      logoutUrl: "http://localhost:3000/logged-out",
      port: 0,
      secureCookies: false,
      configFile: "/nonexistent",
    };
    const app = createExampleApp(config, { log: () => {} });
    example = await listen((req, res) => void app.handle(req, res));
  });

  afterAll(() => {
    as?.server.close();
    example?.server.close();
  });

  const get = (path: string, cookie?: string) =>
    fetch(`${example.url}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} });
  const cookieOf = (res: Response) => res.headers.get("set-cookie")?.split(";")[0] ?? "";

  /** GET /login: the cookie it sets and the authorize request it sends the browser to. */
  async function startLogin() {
    const res = await get("/login");
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    return { cookie: cookieOf(res), location, state: location.searchParams.get("state")! };
  }

  const callback = (cookie: string, params: Record<string, string>) =>
    get(`/oauth-redirect?${new URLSearchParams(params)}`, cookie);

  it("/login: a session cookie and a redirect to the discovered authorize endpoint with S256 PKCE and state", async () => {
    const res = await get("/login");
    expect(res.headers.get("set-cookie")).toMatch(/^example_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/);
    const location = new URL(res.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(`${as.url}/oauth2/authorize`);
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(location.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get("redirect_uri")).toBe("http://localhost:3000/oauth-redirect");
  });

  it("a good callback: code exchanged with the verifier and secret, token verified by kid, renewed session, email shown", async () => {
    signWith = "signer";
    const login = await startLogin();
    const res = await callback(login.cookie, { code: "code-1", state: login.state, iss: ISSUER });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/account");
    const sent = tokenRequests[0]!;
    expect(sent.get("grant_type")).toBe("authorization_code");
    expect(sent.get("code")).toBe("code-1");
    expect(sent.get("client_id")).toBe(CLIENT_ID);
    expect(sent.get("client_secret")).toBe("client-secret-1");
    expect(sent.get("redirect_uri")).toBe("http://localhost:3000/oauth-redirect");
    expect(s256(sent.get("code_verifier")!)).toBe(login.location.searchParams.get("code_challenge"));

    const signedIn = cookieOf(res);
    expect(signedIn).not.toBe(login.cookie); // a new session id at sign-in
    expect((await get("/account", login.cookie)).status).toBe(303); // the pre-login id no longer works
    const account = await (await get("/account", signedIn)).text();
    expect(account).toContain(`<strong id="signed-in-email">${EMAIL}</strong>`);
    expect(account).toMatch(/Access token verified: signature RS256 with key <code>kid-1<\/code>/);
    expect((await get("/mfa", signedIn)).status).toBe(200);
  });

  it("refuses a callback from another issuer, without exchanging the code", async () => {
    const login = await startLogin();
    const before = tokenRequests.length;
    const res = await callback(login.cookie, { code: "code-2", state: login.state, iss: "https://evil.example" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("another issuer");
    expect(tokenRequests.length).toBe(before);
  });

  it("refuses a state that does not match, and a state used once already", async () => {
    const login = await startLogin();
    const wrong = await callback(login.cookie, { code: "c", state: `${login.state}x`, iss: ISSUER });
    expect(wrong.status).toBe(400);
    const again = await callback(login.cookie, { code: "c", state: login.state, iss: ISSUER });
    expect(again.status).toBe(400); // the first attempt consumed the login
  });

  it("refuses an access token signed by another key under the published kid", async () => {
    signWith = "impostor";
    const login = await startLogin();
    const res = await callback(login.cookie, { code: "code-3", state: login.state, iss: ISSUER });
    signWith = "signer";
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("did not verify");
    expect((await get("/account", cookieOf(res) || login.cookie)).status).toBe(303);
  });

  it("a POST without the session's CSRF token changes nothing (403)", async () => {
    const login = await startLogin();
    const ok = await callback(login.cookie, { code: "code-4", state: login.state, iss: ISSUER });
    const cookie = cookieOf(ok);
    const res = await fetch(`${example.url}/mfa/recovery-codes`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: "csrf=wrong",
    });
    expect(res.status).toBe(403);
    const logout = await fetch(`${example.url}/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    expect(logout.status).toBe(403);
    expect((await get("/account", cookie)).status).toBe(200); // still signed in
  });

  it("sign-out ends the local session and goes on to edge-mfa's /oauth2/logout with the client id", async () => {
    const login = await startLogin();
    const cookie = cookieOf(await callback(login.cookie, { code: "code-5", state: login.state, iss: ISSUER }));
    const page = await (await get("/account", cookie)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const res = await fetch(`${example.url}/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`${as.url}/oauth2/logout?client_id=${CLIENT_ID}`);
    expect((await get("/account", cookie)).status).toBe(303);
  });

  it("/mfa/authenticator: QR and key, a wrong code re-asks, the right one enables for the token's user; recovery codes shown once", async () => {
    const login = await startLogin();
    const cookie = cookieOf(await callback(login.cookie, { code: "code-6", state: login.state, iss: ISSUER }));
    const page = await (await get("/mfa/authenticator", cookie)).text();
    expect(page).toContain("<svg");
    expect(page).toContain('id="manual-key">ONSW G4TF OQWX GZLD OJSX ILJR<');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const post = (code: string) =>
      fetch(`${example.url}/mfa/authenticator`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf, code, userId: "someone-else" }).toString(),
      });

    const wrong = await post("000000");
    expect(wrong.headers.get("location")).toBe("/mfa/authenticator");
    expect(await (await get("/mfa/authenticator", cookie)).text()).toContain("That code is not right");

    const right = await post("123456");
    expect(right.headers.get("location")).toBe("/mfa/recovery-codes");
    expect(enableRequests[0]).toEqual({
      path: `/api/user/two-factor/${USER_ID}`,
      authorization: "api-key-1",
      tenant: TENANT_ID,
      body: {
        method: "authenticator",
        code: "123456",
        secret: "c2VjcmV0LXNlY3JldC0x",
        secretBase32Encoded: "ONSWG4TFOQWXGZLDOJSXILJR",
      },
    });
    const codes = await (await get("/mfa/recovery-codes", cookie)).text();
    expect([...codes.matchAll(/<li>(RC\d+AAAAAA)<\/li>/g)]).toHaveLength(10);
    expect((await get("/mfa/recovery-codes", cookie)).headers.get("location")).toBe("/mfa");
  });
});
