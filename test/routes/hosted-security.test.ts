/** Hosted pages: theme (validated, CSP-hashed), security headers on redirects, CSRF on every form, the QR code decodes to the otpauth URI. */
import jsQR from "jsqr";
import { describe, expect, it } from "vitest";
import { api } from "../helpers.ts";
import { createUser, PASSWORD } from "../support/mfa.ts";
import { authorizePath, Browser, ISSUER, ORIGIN, seedClient, textOf } from "../support/hosted.ts";
import { routedFetch } from "../support/oauth.ts";

async function sha256b64(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...d));
}

describe("tenant theme", () => {
  it("shows the display name and logo; colours reach the one inline stylesheet, allowed by its hash", async () => {
    const theme = {
      displayName: "Acme <Corp>",
      logoURL: "https://cdn.example/logo.png",
      primaryColor: "#112233",
      backgroundColor: "#fafafa",
    };
    const { clientId } = await seedClient({ loginTheme: theme });
    const p = await new Browser().get(authorizePath(clientId));
    expect(p.html).toContain('<img src="https://cdn.example/logo.png" alt="Acme &lt;Corp&gt;"/>');
    expect(p.html).toContain("<p>Acme &lt;Corp&gt;</p>");
    const css = /<style>([\s\S]*?)<\/style>/.exec(p.html)![1]!;
    expect(css).toContain("--primary:#112233;--bg:#fafafa");
    const csp = p.headers.get("content-security-policy")!;
    expect(csp).toContain(`style-src 'sha256-${await sha256b64(css)}'`);
    expect(csp).toContain("img-src 'self' data: https://cdn.example");
    expect(p.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
  });

  it("the tenant API refuses a colour that is not #rrggbb and a logo that is not https", async () => {
    for (const loginTheme of [{ primaryColor: "red;}body{display:none" }, { logoURL: "http://cdn.example/logo.png" }]) {
      const r = await api("/api/tenant", {
        method: "POST",
        body: { tenant: { name: `t-${crypto.randomUUID()}`, loginTheme } },
      });
      expect(r.status).toBe(400);
    }
    const ok = await api("/api/tenant", {
      method: "POST",
      body: {
        tenant: {
          name: `t-${crypto.randomUUID()}`,
          loginTheme: { primaryColor: "#abcdef" },
          httpSessionMaxInactiveInterval: 600,
        },
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.tenant.loginTheme.primaryColor).toBe("#abcdef");
  });
});

describe("headers and CSRF", () => {
  it("redirects carry no-store and no-referrer; the SSO lifetime follows the tenant setting", async () => {
    const { clientId, key } = await seedClient({ httpSessionMaxInactiveInterval: 900 });
    const { email } = await createUser(key);
    const b = new Browser();
    const r = await b.submit(await b.get(authorizePath(clientId)), "login-form", {
      loginId: email,
      password: PASSWORD,
    });
    expect(r.status).toBe(302);
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    expect(r.setCookies.find((c) => c.startsWith("fusionauth.sso="))).toMatch(/Max-Age=900/);
  });

  it("every POST page refuses a form without the CSRF token (403) before reading anything", async () => {
    const { clientId } = await seedClient();
    const b = new Browser();
    await b.get(authorizePath(clientId)); // the browser has the CSRF cookie, the attacker's form has no token
    const q = Object.fromEntries(new URL(authorizePath(clientId), "http://x").searchParams);
    for (const path of [
      "/oauth2/authorize",
      "/oauth2/two-factor",
      "/oauth2/two-factor-methods",
      "/oauth2/two-factor-enable",
      "/oauth2/two-factor-enable-complete",
      "/oauth2/two-factor-passkey",
    ]) {
      const r = await b.request("POST", path, { ...q, code: "123456", loginId: "a", password: "b" });
      expect(r.status, path).toBe(403);
      expect(r.headers.get("x-frame-options"), path).toBe("DENY");
    }
  });
});

describe("oversized OAuth parameters", () => {
  it("a code_challenge, state or nonce too long to carry is refused (rendered), never silently dropped", async () => {
    const { clientId, key } = await seedClient();
    const { email } = await createUser(key);
    for (const name of ["code_challenge", "state", "nonce"]) {
      const b = new Browser();
      // Dropped, the login would go on without PKCE, without the client's state or nonce (RFC 7636 §4.4.1,
      // RFC 6749 §4.1.2): the code would no longer be bound to what the client asked for.
      const page = await b.get(authorizePath(clientId, { [name]: "x".repeat(5000) }));
      expect(page.status, name).toBe(400);
      expect(page.location, name).toBeNull();
      expect(page.html, name).toContain("invalid_request");
      expect(page.headers.get("content-security-policy"), name).toContain("frame-ancestors 'none'");
    }
    // The same from the login form (POST): no code is issued for the truncated request.
    const b = new Browser();
    const page = await b.get(authorizePath(clientId));
    const q = Object.fromEntries(new URL(authorizePath(clientId), "http://x").searchParams);
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.html)![1]!;
    const r = await b.request("POST", "/oauth2/authorize", {
      ...q,
      code_challenge: "x".repeat(5000),
      csrf_token: csrf,
      loginId: email,
      password: PASSWORD,
    });
    expect(r.status).toBe(400);
    expect(r.location).toBeNull();
  });
});

describe("repeated OAuth parameters", () => {
  it("a parameter sent twice is refused (rendered), on GET and on the login form (RFC 6749 §3.1, §4.1.2.1)", async () => {
    const { clientId, key } = await seedClient();
    const { email } = await createUser(key);
    for (const [name, value] of [
      ["code_challenge", "A".repeat(43)],
      ["state", "other"],
      ["redirect_uri", "https://evil.example/cb"],
    ]) {
      const r = await new Browser().get(`${authorizePath(clientId)}&${name}=${encodeURIComponent(value!)}`);
      expect(r.status, name).toBe(400);
      expect(r.location, name).toBeNull();
      expect(r.html, name).toContain("invalid_request");
    }
    const b = new Browser();
    const page = await b.get(authorizePath(clientId));
    const form = new URLSearchParams(new URL(authorizePath(clientId), "http://x").searchParams);
    form.append("csrf_token", /name="csrf_token" value="([^"]+)"/.exec(page.html)![1]!);
    form.append("loginId", email);
    form.append("password", PASSWORD);
    form.append("code_challenge", "A".repeat(43));
    const posted = await routedFetch(`${ORIGIN}/oauth2/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: [...b.jar].map(([k, v]) => `${k}=${v}`).join("; "),
      },
      body: form.toString(),
    });
    expect(posted.status).toBe(400);
    expect(posted.headers.get("location")).toBeNull();
  });
});

describe("enrolment QR code", () => {
  it("the server-made SVG decodes (jsQR) to the otpauth URI of the manual key", async () => {
    const { clientId, key } = await seedClient({ multiFactorConfiguration: { loginPolicy: "Required" } });
    const { email } = await createUser(key);
    const b = new Browser();
    const r = await b.submit(await b.get(authorizePath(clientId)), "login-form", {
      loginId: email,
      password: PASSWORD,
    });
    const page = await b.get(r.location!);
    const svg = /<div id="qrcode"[^>]*>(<svg[\s\S]*?<\/svg>)/.exec(page.html)![1]!;
    const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)![1]);
    const scale = 2;
    const w = size * scale;
    const px = new Uint8ClampedArray(w * w * 4).fill(255);
    for (const m of svg.matchAll(/M(\d+),(\d+)l(\d+),0/g)) {
      const [x, y, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
      for (let dy = 0; dy < s * scale; dy++)
        for (let dx = 0; dx < s * scale; dx++) {
          const i = ((y * scale + dy) * w + x * scale + dx) * 4;
          px[i] = px[i + 1] = px[i + 2] = 0;
        }
    }
    const decoded = jsQR(px, w, w);
    const secret = textOf(page.html, "manual-key")!;
    const uri = new URL(decoded!.data);
    expect([uri.protocol, uri.host]).toEqual(["otpauth:", "totp"]);
    // Key URI Format: the label's issuer may not contain a colon, so a URL issuer appears as its host;
    // the issuer parameter carries it whole.
    expect(decodeURIComponent(uri.pathname)).toBe(`/${new URL(ISSUER).host}:${email}`);
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(uri.searchParams.get("issuer")).toBe(ISSUER);
  });
});
