/**
 * Second-factor bypasses through the hosted pages. Threats: (1) an attacker with only the password
 * opens the enrolment page with an ordinary challenge and adds their own authenticator to the
 * account; (2) an SSO session from an app without MFA is turned into a code for an app that
 * requires it by posting the enrolment "Done" form.
 */
import { describe, expect, it } from "vitest";
import { call, enrolledUser, nextStep, seedApplication, totp } from "../support/mfa.ts";
import { authorizePath, Browser, local, password, query, REDIRECT_URI, seedClient } from "../support/hosted.ts";

describe("hosted second-factor bypasses", () => {
  it("the enrolment page refuses a challenge that is not an enrolment (no method is added)", async () => {
    const { clientId, key } = await seedClient();
    const u = await enrolledUser(key);
    const b = new Browser();
    const r = await password(b, clientId, u.email);
    expect(local(r.location).startsWith("/oauth2/two-factor-methods?")).toBe(true);
    const forged = local(r.location).replace("/oauth2/two-factor-methods?", "/oauth2/two-factor-enable?");
    const page = await b.get(forged);
    expect(page.status).toBe(302);
    expect(query(page.location).get("notice")).toBe("timeout");

    // Posting the enable form directly (own secret, valid code) is refused the same way.
    const code = await b.get(`${local(r.location)}&selectMethod=true`); // a page for a CSRF token
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(code.html)![1]!;
    const secret = await call("GET", "/api/two-factor/secret", { key });
    nextStep();
    const post = await b.request("POST", "/oauth2/two-factor-enable", {
      ...Object.fromEntries(query(forged)),
      csrf_token: csrf,
      method: "authenticator",
      secretBase32Encoded: secret.body.secretBase32Encoded,
      code: await totp(secret.body.secretBase32Encoded),
    });
    expect(post.status).toBe(302);
    expect(query(post.location).get("notice")).toBe("timeout");
    const user = await call("GET", `/api/user/${u.userId}`, { key });
    expect(user.body.user.twoFactor.methods).toHaveLength(1);
  });

  it("'Done' on the enrolment page does not turn a password-only session into a code for an MFA app", async () => {
    const { clientId, key, tenantId } = await seedClient({ multiFactorConfiguration: { loginPolicy: "Disabled" } });
    const u = await enrolledUser(key);
    const strict = await seedApplication(tenantId, {
      oauthConfiguration: { authorizedRedirectURLs: [REDIRECT_URI] },
      multiFactorConfiguration: { loginPolicy: "Enabled" },
    });
    const b = new Browser();
    const first = await password(b, clientId, u.email);
    expect(first.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true); // session with amr [pwd]
    const page = await b.get(authorizePath(strict, { prompt: "login" }));
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.html)![1]!;
    const done = await b.request("POST", "/oauth2/two-factor-enable-complete", {
      ...Object.fromEntries(query(authorizePath(strict))),
      csrf_token: csrf,
    });
    expect(done.status).toBe(302);
    expect(done.location!.startsWith(REDIRECT_URI)).toBe(false);
    expect(local(done.location).startsWith("/oauth2/two-factor-methods?")).toBe(true);
  });
});
