/** A passkey as the second factor on the hosted methods page (the one page with a script). */
import { describe, expect, it } from "vitest";
import { createUser, PASSWORD } from "../support/mfa.ts";
import { registerPasskey, signFor, webAuthnSettings } from "../support/passkeys.ts";
import { FLAG } from "../support/soft-authenticator.ts";
import { authorizePath, Browser, formHtml, REDIRECT_URI, seedClient, unescapeHtml } from "../support/hosted.ts";

describe("passkey on /oauth2/two-factor-methods", () => {
  it("offers the passkey with its options; the signed assertion completes the login", async () => {
    const t = await seedClient(webAuthnSettings());
    const user = await createUser(t.key);
    const { auth } = await registerPasskey(t, user.id, { name: "key" });
    const b = new Browser();
    const login = await b.submit(await b.get(authorizePath(t.clientId)), "login-form", {
      loginId: user.email,
      password: PASSWORD,
    });
    expect(login.location!.startsWith("/oauth2/two-factor-methods?")).toBe(true);
    const page = await b.get(login.location!);
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(page.html).toContain('<script type="module" src="/oauth2/passkey.js"></script>');
    const form = formHtml(page.html, "passkey-form");
    const options = JSON.parse(unescapeHtml(/data-options="([^"]+)"/.exec(form)![1]!));
    expect(options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([auth.id]);

    const bad = await b.submit(page, "passkey-form", { credential: "{}" });
    expect(bad.status).toBe(200);
    expect(bad.html).toContain("The passkey could not be verified.");

    const credential = JSON.stringify(await signFor(auth, options, { flags: FLAG.UP }));
    const ok = await b.submit(page, "passkey-form", { credential });
    expect(ok.status).toBe(302);
    expect(ok.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);

    const js = await b.get("/oauth2/passkey.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("text/javascript");
    expect(js.html).toContain('from "/webauthn.js"');
  });
});
