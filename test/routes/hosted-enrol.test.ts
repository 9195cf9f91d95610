/** Policy Required with nothing enrolled: enrolment on the pages (TOTP via the page's key, email), recovery codes once; email codes at login. */
import * as OTPAuth from "otpauth";
import { describe, expect, it } from "vitest";
import { call, createUser, nextStep } from "../support/mfa.ts";
import { enableOob, lastCode, oobTenant, outbox, uniquePhone } from "../support/oob.ts";
import {
  Browser,
  ISSUER,
  local,
  password,
  query,
  REDIRECT_URI,
  seedClient,
  textOf,
  type Page,
} from "../support/hosted.ts";
import { clock } from "../support/mfa.ts";

function totpNow(base32: string): string {
  return new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(base32),
    digits: 6,
    period: 30,
    algorithm: "SHA1",
  }).generate({
    timestamp: clock.now * 1000,
  });
}

describe("enrolment at login (policy Required, nothing enrolled)", () => {
  it("authenticator: QR (server SVG) + manual key → Invalid code → code from the key → recovery codes once → Done → code", async () => {
    const { clientId, key } = await seedClient({ multiFactorConfiguration: { loginPolicy: "Required" } });
    const { email, id } = await createUser(key);
    const b = new Browser();
    const r = await password(b, clientId, email);
    expect(r.status).toBe(302);
    expect(local(r.location).startsWith("/oauth2/two-factor-enable?")).toBe(true);
    const page = await b.get(r.location!);
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/<div id="qrcode"[^>]*><svg /);
    expect(page.html).not.toContain("<script");
    expect(page.html).toContain('<input id="verification-code" name="code" type="text"');
    const base32 = textOf(page.html, "manual-key")!;
    expect(base32).toMatch(/^[A-Z2-7]{32}$/);

    nextStep();
    const wrong = String((Number(totpNow(base32)) + 1) % 1_000_000).padStart(6, "0");
    const bad = await b.submit(page, "enable-two-factor-form", { code: wrong });
    expect(bad.status).toBe(200);
    expect(bad.html).toContain("Invalid code");
    expect(textOf(bad.html, "manual-key")).toBe(base32); // the same secret is kept for the retry

    const ok = await b.submit(bad, "enable-two-factor-form", { code: totpNow(base32) });
    expect(ok.status).toBe(302);
    expect(local(ok.location).startsWith("/oauth2/two-factor-enable-complete?")).toBe(true);
    expect(ok.location).not.toMatch(/[A-Z2-9]{5}-[A-Z2-9]{5}/);
    const rc = ok.setCookies.find((c) => c.startsWith("edgemfa.rc="))!;
    expect(rc).toMatch(/HttpOnly/);
    expect(rc).toMatch(/Path=\/oauth2\/two-factor-enable-complete/);

    const codesPage = await b.get(ok.location!);
    expect(codesPage.status).toBe(200);
    const codes = [...codesPage.html.matchAll(/<div class="code">([^<]+)<\/div>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    // Shown once: a reload no longer has them.
    const reload = await b.get(ok.location!);
    expect(reload.html).not.toContain(codes[0]);

    const done = await b.submit(codesPage, "done-form");
    expect(done.status).toBe(302);
    expect(done.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);
    expect(query(done.location).get("iss")).toBe(ISSUER);

    const user = await call("GET", `/api/user/${id}`, { key });
    expect(user.body.user.twoFactor.methods).toHaveLength(1);
    // The method now exists: the next login is a challenge, not an enrolment.
    const b2 = new Browser();
    const next = await password(b2, clientId, email);
    expect(local(next.location).startsWith("/oauth2/two-factor-methods?")).toBe(true);
  });

  it("email: choose, send a one-time code, enable with it", async () => {
    const { clientId, key } = await seedClient(oobTenant({ loginPolicy: "Required" }));
    const { email } = await createUser(key);
    const b = new Browser();
    const r = await password(b, clientId, email);
    const first = await b.get(r.location!);
    expect(first.html).toContain('<select id="select-method" name="method">');
    const emailPage = await b.get(`${local(r.location)}&method=email`);
    expect(emailPage.html).toContain('<form id="send-two-factor-form"');
    expect(emailPage.html).toContain(`<input id="email" name="email" type="email" value="${email}"`);
    const sent = await b.submit(emailPage, "send-two-factor-form", { email });
    expect(sent.status).toBe(200);
    expect(sent.html).toContain("Code successfully sent");
    const ok = await b.submit(sent, "enable-two-factor-form", { code: await lastCode(email) });
    expect(ok.status).toBe(302);
    expect(local(ok.location).startsWith("/oauth2/two-factor-enable-complete?")).toBe(true);
  });
});

describe("SMS enrolment", () => {
  it("choose SMS, enter a number (#mobilePhone), send, enable with the texted code", async () => {
    const { clientId, key } = await seedClient(oobTenant({ loginPolicy: "Required" }));
    const { email } = await createUser(key);
    const phone = uniquePhone();
    const b = new Browser();
    const r = await password(b, clientId, email);
    const smsPage = await b.get(`${local(r.location)}&method=sms`);
    expect(smsPage.html).toContain('<input id="mobilePhone" name="mobilePhone" type="tel"');
    const sent = await b.submit(smsPage, "send-two-factor-form", { mobilePhone: phone });
    expect(sent.html).toContain("Code successfully sent");
    const ok = await b.submit(sent, "enable-two-factor-form", { code: await lastCode(phone) });
    expect(ok.status).toBe(302);
    expect(local(ok.location).startsWith("/oauth2/two-factor-enable-complete?")).toBe(true);
  });
});

describe("email codes at login", () => {
  it("auto-picks the last-used email method, sends a code, and 'Try another option' resends after the cooldown", async () => {
    const { clientId, key } = await seedClient(oobTenant());
    const { email, id } = await createUser(key);
    await enableOob(key, id, "email", email);
    nextStep();
    const b = new Browser();
    const r = await password(b, clientId, email);
    const before = (await outbox(email)).length;
    // Only one non-authenticator method and never used: the chooser is shown.
    let page: Page = await b.get(r.location!);
    if (page.status === 200) {
      expect(page.html).toContain('name="methodId"');
      page = await b.submit(page, "2fa-form", { methodId: /name="methodId" id="method-([^"]+)"/.exec(page.html)![1]! });
    }
    expect(page.status).toBe(302);
    expect(query(page.location).get("sent")).toBe("true");
    expect((await outbox(email)).length).toBe(before + 1);
    const codePage = await b.get(page.location!);
    expect(codePage.html).toContain("Code successfully sent");
    expect(codePage.html).toContain("Didn&#39;t receive a code? Try another option");
    const firstCode = await lastCode(email);

    // Resend: the link leads to the chooser; during the cooldown the choice is refused with a message.
    const href = /<a href="([^"]+)" id="resend-link">/.exec(codePage.html)![1]!.replace(/&amp;/g, "&");
    const chooser = await b.get(href);
    expect(chooser.status).toBe(200);
    const methodId = /name="methodId" id="method-([^"]+)"/.exec(chooser.html)![1]!;
    const early = await b.submit(chooser, "2fa-form", { methodId });
    expect(early.status).toBe(200);
    expect(early.html).toContain("Please wait before requesting another one.");
    clock.now += 120;
    const resent = await b.submit(chooser, "2fa-form", { methodId });
    expect(resent.status).toBe(302);
    expect((await outbox(email)).length).toBe(before + 2);
    const newCode = await lastCode(email);
    const again = await b.get(resent.location!);
    if (newCode !== firstCode) {
      const stale = await b.submit(again, "2fa-form", { code: firstCode });
      expect(stale.html).toContain("Invalid code"); // a resend replaces the earlier code
    }
    const ok = await b.submit(again, "2fa-form", { code: newCode });
    expect(ok.status).toBe(302);
    expect(ok.location!.startsWith(`${REDIRECT_URI}?code=`)).toBe(true);
  });
});
