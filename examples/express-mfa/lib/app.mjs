/**
 * The example's routes on node:http. The shape follows FusionAuth's Express quickstart and the MFA
 * settings page its MFA guide adds: "/" → Login → hosted login on edge-mfa → /oauth-redirect → /account,
 * /mfa to manage methods, sign-out through /oauth2/logout.
 */
import { FusionAuthClient } from "@fusionauth/typescript-client";
import { apiFailure, describeMethod, mfaClient } from "./mfa.mjs";
import { authorizeUrl, checkCallback, pkcePair, randomToken, remoteJwks, verifyAccessToken } from "./oauth.mjs";
import { contentSecurityPolicy, csrfField, groupKey, html, otpauthUri, page, qrSvg } from "./pages.mjs";
import { COOKIE_NAME, createSessionStore, csrfOk, parseCookies, sessionCookie } from "./session.mjs";

/** A login must come back within this time (the hosted login's own limits are shorter). */
const LOGIN_TTL_MS = 10 * 60_000;
const MAX_FORM_BYTES = 8 * 1024;

/**
 * @typedef {import("./config.mjs").Config} Config
 * @typedef {import("./session.mjs").Session} Session
 * @typedef {import("node:http").IncomingMessage} Req
 * @typedef {import("node:http").ServerResponse} Res
 * @typedef {{ issuer: string, authorization_endpoint: string, jwks_uri: string }} Discovery
 */

/**
 * @param {Config} config
 * @param {{ now?: () => number, log?: (msg: string) => void }} [deps]
 */
export function createExampleApp(config, deps = {}) {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((m) => console.log(m));
  const sessions = createSessionStore({ secret: randomToken(32), now });
  const sweeper = setInterval(() => sessions.sweep(), 60_000);
  sweeper.unref();
  const oauthClient = new FusionAuthClient("", config.edgeMfaUrl, config.tenantId);
  const mfa = mfaClient(config);
  // Discovery and keys are per tenant on edge-mfa (FusionAuth's keys are global; see the README).
  const discoveryUrl = `${config.edgeMfaUrl}/.well-known/openid-configuration/${config.tenantId}`;
  const csp = contentSecurityPolicy([new URL(config.edgeMfaUrl).origin]);
  /** @type {(Discovery & { jwks: import("jose").JWTVerifyGetKey }) | undefined} */
  let discovery;

  /**
   * The tenant's OpenID configuration (OpenID Connect Discovery 1.0 §3), fetched once: its issuer is
   * what `iss` must equal, its jwks_uri holds the keys that sign the access tokens.
   */
  async function discover() {
    if (discovery) return discovery;
    const res = await fetch(discoveryUrl, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`${discoveryUrl} answered ${res.status}`);
    const json = /** @type {Discovery} */ (await res.json());
    if (!json.issuer || !json.authorization_endpoint || !json.jwks_uri)
      throw new Error(`${discoveryUrl} lacks issuer, authorization_endpoint or jwks_uri`);
    discovery = { ...json, jwks: remoteJwks(json.jwks_uri) };
    return discovery;
  }

  // ------------------------------------------------------------------ responses

  /**
   * @param {Res} res
   * @param {number} status
   * @param {string} title
   * @param {ReturnType<typeof html>} body
   * @param {Session | undefined} session
   */
  function send(res, status, title, body, session) {
    const flash = session?.flash;
    if (session) delete session.flash;
    const markup = page(title, body, { signedIn: Boolean(session?.user), csrf: session?.csrf, flash });
    res.writeHead(status, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": csp,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    });
    res.end(markup);
  }

  /** @param {Res} res @param {string} location @param {string[]} [cookies] */
  function redirect(res, location, cookies = []) {
    res.writeHead(303, { location, "cache-control": "no-store", ...(cookies.length ? { "set-cookie": cookies } : {}) });
    res.end();
  }

  /** @param {Session} s */
  const cookieFor = (s) => sessionCookie(sessions.cookieValue(s), { secure: config.secureCookies });
  const clearCookie = () => sessionCookie("", { secure: config.secureCookies, maxAgeSeconds: 0 });

  /** @param {Session} s @param {"info" | "error"} kind @param {string} text */
  function flash(s, kind, text) {
    s.flash = { kind, text };
  }

  // ------------------------------------------------------------------ pages

  /** @param {Res} res @param {Session | undefined} s */
  function home(res, s) {
    const body = s?.user
      ? html`<section><h1>Welcome back</h1><p>You are signed in as <strong>${s.user.email ?? s.user.id}</strong>.</p>
          <p><a href="/account">Your account</a> · <a href="/mfa">MFA settings</a></p></section>`
      : html`<section><h1>edge-mfa example app</h1>
          <p>This app signs you in through edge-mfa's hosted login (OAuth 2.0 authorization code with PKCE),
          verifies the access token against the tenant's JWKS, and lets you manage your second factors.</p>
          <p><a href="/login">Login</a></p>
          ${config.devUser ? html`<p>Dev user (seeded by <code>npm run dev</code>): <code>${config.devUser.email}</code> / <code>${config.devUser.password}</code></p>` : ""}
          </section>`;
    send(res, 200, "Home", body, s);
  }

  /** @param {Res} res @param {Session} s */
  function account(res, s) {
    const v = s.verified;
    const expires = v ? new Date(v.exp * 1000).toISOString() : "";
    const body = html`<section><h1>Account</h1>
      <p>Signed in as <strong id="signed-in-email">${s.user?.email ?? ""}</strong></p>
      <p>User id: <code>${s.user?.id ?? ""}</code></p></section>
      <section><h2>Access token</h2>
      <p id="token-status">Access token verified: signature ${v?.alg} with key <code>${v?.kid}</code> from the tenant's JWKS,
        issuer <code>${v?.iss}</code>, audience <code>${Array.isArray(v?.aud) ? v.aud.join(" ") : v?.aud}</code>, expires ${expires}.</p>
      <p>Refresh token: ${s.tokens?.refreshToken ? "received (scope offline_access)" : "none"}.</p></section>`;
    send(res, 200, "Account", body, s);
  }

  /** @param {Res} res @param {Session} s */
  async function mfaPage(res, s) {
    let info;
    try {
      info = await mfa.user(s.user?.id ?? "");
    } catch (err) {
      flash(s, "error", apiFailure(err));
      info = { email: s.user?.email, mobilePhone: undefined, methods: [] };
    }
    const rows = info.methods.map((m) => {
      const d = describeMethod(m);
      const oob = m.method === "email" || m.method === "sms";
      return html`<tr><td>${d.kind}</td><td>${d.detail}</td><td><code>${m.id}</code></td><td>
        ${oob ? html`<form method="post" action="/mfa/disable/send">${csrfField(s.csrf)}<input type="hidden" name="methodId" value="${m.id}"><button type="submit">Send a code</button></form>` : ""}
        <form method="post" action="/mfa/disable">${csrfField(s.csrf)}<input type="hidden" name="methodId" value="${m.id}">
          <label for="disable-${m.id}">${oob ? "Code we sent" : "Code from your app"} (or a recovery code)</label>
          <input type="text" id="disable-${m.id}" name="code" autocomplete="one-time-code" required>
          <button type="submit">Disable</button></form></td></tr>`;
    });
    const body = html`<section><h1>MFA settings</h1>
      ${
        info.methods.length
          ? html`<table><thead><tr><th>Method</th><th>Sends to</th><th>Id</th><th>Disable</th></tr></thead><tbody>${rows}</tbody></table>
            <p>A recovery code disables every method at once.</p>
            <form method="post" action="/mfa/recovery-codes">${csrfField(s.csrf)}<button type="submit">Generate new recovery codes</button></form>`
          : html`<p id="no-methods">No second factor yet: your password alone signs you in.</p>`
      }</section>
      <section><h2>Authenticator app</h2><p>Google Authenticator, 1Password, Authy… any TOTP app (RFC 6238).</p>
        <p><a href="/mfa/authenticator" id="add-authenticator">Add an authenticator app</a></p></section>
      <section><h2>Email</h2><form method="post" action="/mfa/email/send">${csrfField(s.csrf)}
        <label for="email">Email address</label><input type="email" id="email" name="email" value="${info.email ?? ""}" required>
        <button type="submit">Send a code</button></form></section>
      <section><h2>SMS</h2><form method="post" action="/mfa/sms/send">${csrfField(s.csrf)}
        <label for="mobilePhone">Mobile phone (E.164, e.g. +15555550100)</label><input type="tel" id="mobilePhone" name="mobilePhone" value="${info.mobilePhone ?? ""}" required>
        <button type="submit">Send a code</button></form></section>`;
    send(res, 200, "MFA settings", body, s);
  }

  /** GET /mfa/authenticator: a new secret, its QR code and the form for the first code. @param {Res} res @param {Session} s */
  async function authenticatorPage(res, s) {
    let pending = /** @type {{ secret: string, secretBase32Encoded: string } | undefined} */ (s.pending?.authenticator);
    if (!pending) {
      try {
        pending = await mfa.newSecret();
      } catch (err) {
        flash(s, "error", apiFailure(err));
        return redirect(res, "/mfa");
      }
      s.pending = { ...s.pending, authenticator: pending };
    }
    const { issuer } = await discover();
    const uri = otpauthUri({
      issuer,
      account: s.user?.email ?? s.user?.id ?? "user",
      secretBase32: pending.secretBase32Encoded,
    });
    const body = html`<section><h1>Add an authenticator app</h1>
      <p>Scan this QR code with your authenticator app, or type the key by hand.</p>
      <div class="qr" id="qrcode">${qrSvg(uri)}</div>
      <p>Key: <span class="mono" id="manual-key">${groupKey(pending.secretBase32Encoded)}</span></p>
      <form method="post" action="/mfa/authenticator">${csrfField(s.csrf)}
        <label for="code">The 6-digit code your app shows</label>
        <input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
        <button type="submit">Enable</button></form>
      <p><a href="/mfa">Cancel</a></p></section>`;
    send(res, 200, "Add an authenticator app", body, s);
  }

  /** @param {Res} res @param {Session} s @param {"email" | "sms"} method */
  function oobVerifyPage(res, s, method) {
    const to = /** @type {string | undefined} */ (s.pending?.[method]);
    if (!to) return redirect(res, "/mfa");
    const body = html`<section><h1>Enter the code</h1><p>We sent a code to <strong>${to}</strong>.</p>
      <form method="post" action="/mfa/${method}/verify">${csrfField(s.csrf)}
        <label for="code">Code</label><input type="text" id="code" name="code" autocomplete="one-time-code" required>
        <button type="submit">Enable</button></form><p><a href="/mfa">Cancel</a></p></section>`;
    send(res, 200, "Enter the code", body, s);
  }

  /** Shown once: the codes leave the session as the page is rendered. @param {Res} res @param {Session} s */
  function recoveryCodesPage(res, s) {
    const codes = s.showRecoveryCodes;
    delete s.showRecoveryCodes;
    if (!codes?.length) return redirect(res, "/mfa");
    const body = html`<section><h1>Recovery codes</h1>
      <p>Keep these somewhere safe: each one signs you in once if you lose your second factor.
      They are not shown again.</p>
      <ol class="codes" id="recovery-codes">${codes.map((c) => html`<li>${c}</li>`)}</ol>
      <p><a href="/mfa">Done</a></p></section>`;
    send(res, 200, "Recovery codes", body, s);
  }

  // ------------------------------------------------------------------ actions

  /** @param {Res} res @param {Session} s @param {string[]} codes @param {string} done */
  function afterEnable(res, s, codes, done) {
    flash(s, "info", done);
    if (codes.length) {
      s.showRecoveryCodes = codes;
      return redirect(res, "/mfa/recovery-codes");
    }
    return redirect(res, "/mfa");
  }

  /** GET /login: a fresh state and PKCE verifier in the session, then the hosted login. @param {Res} res @param {Session | undefined} s */
  async function login(res, s) {
    const session = s ?? sessions.create();
    const pkce = pkcePair();
    const state = randomToken(32);
    session.login = { state, verifier: pkce.verifier, startedAt: now() };
    const d = await discover();
    const url = authorizeUrl({
      authorizationEndpoint: d.authorization_endpoint,
      clientId: config.clientId,
      redirectUri: config.redirectUri,
      state,
      codeChallenge: pkce.challenge,
    });
    redirect(res, url, [cookieFor(session)]);
  }

  /** GET /oauth-redirect @param {Res} res @param {Session | undefined} s @param {URLSearchParams} query */
  async function callback(res, s, query) {
    const pending = s?.login;
    if (s) delete s.login; // one attempt per login: a state is never accepted twice
    const fail = (/** @type {string} */ reason) =>
      send(
        res,
        400,
        "Sign-in failed",
        html`<section><h1>Sign-in failed</h1><p id="error">${reason}</p><p><a href="/login">Try again</a></p></section>`,
        s,
      );
    if (!s || !pending || now() - pending.startedAt > LOGIN_TTL_MS)
      return fail("This browser has no login in progress (or it took too long). Start again.");
    const { issuer, jwks } = await discover();
    const checked = checkCallback(query, { state: pending.state, issuer });
    if (!checked.ok) return fail(checked.reason);

    /** @type {{ access_token?: string, refresh_token?: string, id_token?: string, expires_in?: number }} */
    let tokens;
    try {
      const r = await oauthClient.exchangeOAuthCodeForAccessTokenUsingPKCE(
        checked.code,
        config.clientId,
        config.clientSecret,
        config.redirectUri,
        pending.verifier,
      );
      tokens = r.response;
    } catch (err) {
      const e = /** @type {{ statusCode?: number, exception?: { error?: string, error_description?: string } }} */ (
        err
      );
      log(`token exchange failed: ${e.statusCode ?? ""} ${e.exception?.error ?? String(err)}`);
      return fail(
        `The code exchange failed (${e.exception?.error_description ?? e.exception?.error ?? e.statusCode ?? "no answer"}).`,
      );
    }
    if (!tokens.access_token) return fail("The token response has no access_token.");

    let verified;
    try {
      verified = await verifyAccessToken(tokens.access_token, { jwks, issuer, audience: config.clientId });
    } catch (err) {
      log(`access token rejected: ${/** @type {Error} */ (err).message}`);
      return fail(`The access token did not verify: ${/** @type {Error} */ (err).message}`);
    }
    const sub = /** @type {string} */ (verified.payload.sub);

    // The email comes from userinfo, as in FusionAuth's quickstart (with the Strict scope policy the access token has none).
    let email;
    try {
      const info = await oauthClient.retrieveUserInfoFromAccessToken(tokens.access_token);
      if (info.response.sub !== sub) return fail("userinfo answered for another user."); // OIDC Core §5.3.2
      email = info.response.email;
    } catch (err) {
      log(`userinfo failed: ${/** @type {{ statusCode?: number }} */ (err).statusCode ?? String(err)}`);
      return fail("userinfo refused the access token.");
    }

    const fresh = sessions.renew(s);
    fresh.user = { id: sub, ...(typeof email === "string" ? { email } : {}) };
    fresh.tokens = {
      accessToken: tokens.access_token,
      ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
      ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
      expiresAt: (verified.payload.exp ?? 0) * 1000,
    };
    fresh.verified = {
      alg: verified.header.alg,
      kid: verified.header.kid ?? "",
      iss: verified.payload.iss ?? "",
      aud: verified.payload.aud ?? "",
      exp: verified.payload.exp ?? 0,
    };
    log(`signed in ${email ?? sub} (access token ${verified.header.alg}, kid ${verified.header.kid})`);
    redirect(res, "/account", [cookieFor(fresh)]);
  }

  /**
   * POST /mfa/* (session and CSRF already checked).
   * @param {Res} res @param {Session} s @param {string} path @param {URLSearchParams} form
   */
  async function mfaAction(res, s, path, form) {
    const userId = /** @type {string} */ (s.user?.id);
    const code = (form.get("code") ?? "").trim();
    try {
      if (path === "/mfa/authenticator") {
        const pending = /** @type {{ secret: string, secretBase32Encoded: string } | undefined} */ (
          s.pending?.authenticator
        );
        if (!pending) return redirect(res, "/mfa/authenticator");
        try {
          const codes = await mfa.enable(userId, { method: "authenticator", code, ...pending });
          delete s.pending?.authenticator;
          return afterEnable(res, s, codes, "Authenticator app added.");
        } catch (err) {
          flash(s, "error", apiFailure(err));
          return redirect(res, "/mfa/authenticator");
        }
      }
      const oob = /^\/mfa\/(email|sms)\/(send|verify)$/.exec(path);
      if (oob) {
        const method = /** @type {"email" | "sms"} */ (oob[1]);
        if (oob[2] === "send") {
          const to = (form.get(method === "email" ? "email" : "mobilePhone") ?? "").trim();
          await mfa.sendCode(userId, method === "email" ? { method, email: to } : { method, mobilePhone: to });
          s.pending = { ...s.pending, [method]: to };
          flash(s, "info", "Code sent.");
          return redirect(res, `/mfa/${method}/verify`);
        }
        const to = /** @type {string | undefined} */ (s.pending?.[method]);
        if (!to) return redirect(res, "/mfa");
        try {
          const target = method === "email" ? { email: to } : { mobilePhone: to };
          const codes = await mfa.enable(userId, { method, code, ...target });
          delete s.pending?.[method];
          return afterEnable(res, s, codes, method === "email" ? "Email codes enabled." : "SMS codes enabled.");
        } catch (err) {
          flash(s, "error", apiFailure(err));
          return redirect(res, `/mfa/${method}/verify`);
        }
      }
      if (path === "/mfa/disable/send") {
        await mfa.sendCode(userId, { methodId: form.get("methodId") ?? "" });
        flash(s, "info", "Code sent: enter it next to the method to disable it.");
        return redirect(res, "/mfa");
      }
      if (path === "/mfa/disable") {
        await mfa.disable(userId, form.get("methodId") ?? "", code);
        flash(s, "info", "Method disabled.");
        return redirect(res, "/mfa");
      }
      if (path === "/mfa/recovery-codes") {
        s.showRecoveryCodes = await mfa.newRecoveryCodes(userId);
        flash(s, "info", "New recovery codes: the old ones no longer work.");
        return redirect(res, "/mfa/recovery-codes");
      }
    } catch (err) {
      flash(s, "error", apiFailure(err));
      return redirect(res, "/mfa");
    }
    return notFound(res, s);
  }

  /** @param {Res} res @param {Session | undefined} s */
  function notFound(res, s) {
    send(res, 404, "Not found", html`<section><h1>Not found</h1><p><a href="/">Home</a></p></section>`, s);
  }

  // ------------------------------------------------------------------ routing

  /** @param {Req} req @returns {Promise<URLSearchParams>} */
  async function readForm(req) {
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim();
    if (type !== "application/x-www-form-urlencoded") return new URLSearchParams();
    let size = 0;
    /** @type {Buffer[]} */
    const chunks = [];
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) throw Object.assign(new Error("form too large"), { status: 413 });
      chunks.push(chunk);
    }
    return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  }

  /** @param {Req} req @param {Res} res */
  async function route(req, res) {
    const url = new URL(req.url ?? "/", "http://example.invalid");
    const path = url.pathname;
    const s = sessions.get(parseCookies(req.headers.cookie)[COOKIE_NAME]);
    const signedIn = s?.user && s.tokens && s.tokens.expiresAt > now() ? s : undefined;
    if (s?.user && !signedIn) {
      // The access token expired: sign in again (edge-mfa's SSO session makes that quick).
      delete s.user;
      delete s.tokens;
      delete s.verified;
      flash(s, "info", "Your session expired; sign in again.");
    }

    if (req.method === "GET" || req.method === "HEAD") {
      if (path === "/") return home(res, s);
      if (path === "/login") return login(res, s);
      if (path === "/oauth-redirect") return callback(res, s, url.searchParams);
      if (path === "/logged-out") {
        // The application's logoutURL: edge-mfa's logout (or another app's front-channel logout) lands here.
        if (s) sessions.destroy(s);
        res.setHeader("set-cookie", clearCookie());
        return send(
          res,
          200,
          "Signed out",
          html`<section><h1>Signed out</h1><p><a href="/">Home</a></p></section>`,
          undefined,
        );
      }
      if (
        [
          "/account",
          "/mfa",
          "/mfa/authenticator",
          "/mfa/email/verify",
          "/mfa/sms/verify",
          "/mfa/recovery-codes",
        ].includes(path)
      ) {
        if (!signedIn) return redirect(res, "/login");
        if (path === "/account") return account(res, signedIn);
        if (path === "/mfa") return mfaPage(res, signedIn);
        if (path === "/mfa/authenticator") return authenticatorPage(res, signedIn);
        if (path === "/mfa/recovery-codes") return recoveryCodesPage(res, signedIn);
        return oobVerifyPage(res, signedIn, path === "/mfa/email/verify" ? "email" : "sms");
      }
      return notFound(res, s);
    }

    if (req.method === "POST") {
      const form = await readForm(req);
      // Every POST needs the session's CSRF token; a missing or stale one changes nothing.
      if (!s || !csrfOk(s, form.get("csrf")))
        return send(
          res,
          403,
          "Forbidden",
          html`<section><h1>Expired form</h1><p>Reload the page and try again.</p><p><a href="/">Home</a></p></section>`,
          s,
        );
      if (path === "/logout") {
        sessions.destroy(s);
        const target = new URL(`${config.edgeMfaUrl}/oauth2/logout`);
        target.searchParams.set("client_id", config.clientId);
        return redirect(res, target.toString(), [clearCookie()]);
      }
      if (path.startsWith("/mfa/")) {
        if (!signedIn) return redirect(res, "/login");
        return mfaAction(res, signedIn, path, form);
      }
      return notFound(res, s);
    }
    res.writeHead(405, { allow: "GET, HEAD, POST" });
    res.end();
  }

  return {
    sessions,
    discover,
    /** The node:http request listener. @param {Req} req @param {Res} res */
    async handle(req, res) {
      try {
        await route(req, res);
      } catch (err) {
        const e = /** @type {Error & { status?: number }} */ (err);
        log(`error on ${req.method} ${req.url}: ${e.message}`);
        if (res.headersSent) return res.end();
        send(
          res,
          e.status ?? 502,
          "Error",
          html`<section><h1>Something went wrong</h1><p>${e.status ? e.message : `edge-mfa could not be reached at ${config.edgeMfaUrl} (${e.message}). Is \`npm run dev\` running?`}</p></section>`,
          undefined,
        );
      }
    },
  };
}
