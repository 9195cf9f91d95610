/** Notice addresses (pure) and the account-change notices (issue 10 item 11). */
import { describe, expect, it } from "vitest";
import { alertRecipients } from "../../src/domain/alert-recipients.ts";
import { renderAlertEmail, renderAlertSms, SMS_MAX } from "../../src/domain/alert-message.ts";

describe("alertRecipients", () => {
  it("the account's email first, else the email method's; the SMS method's number", () => {
    const methods = [
      { method: "email", email: "m@example.com" },
      { method: "sms", mobilePhone: "+15555550100" },
      { method: "authenticator" },
    ];
    expect(alertRecipients({ email: "a@example.com", twoFactor: { methods } })).toEqual({
      email: "a@example.com",
      phone: "+15555550100",
    });
    expect(alertRecipients({ twoFactor: { methods } })).toEqual({ email: "m@example.com", phone: "+15555550100" });
    expect(alertRecipients({ email: "", twoFactor: {} })).toEqual({ email: null, phone: null });
    expect(alertRecipients({})).toEqual({ email: null, phone: null });
  });
});

describe("account-change notices", () => {
  const at = Date.UTC(2026, 11, 5, 22, 0, 0) / 1000;
  it("name what changed, singular and plural, and never contain a link", () => {
    expect(renderAlertEmail({ kind: "account_changed", issuer: "Acme", at, changes: ["password"] }).text).toContain(
      "The password of your account was changed.",
    );
    expect(
      renderAlertEmail({ kind: "account_changed", issuer: "Acme", at, changes: ["email address", "password"] }).text,
    ).toContain("The email address and password of your account were changed.");
    expect(
      renderAlertEmail({
        kind: "account_changed",
        issuer: "Acme",
        at,
        changes: ["email address", "phone number", "password"],
      }).text,
    ).toContain("The email address, phone number and password of your account were changed.");
    for (const kind of ["account_changed", "email_address_added"] as const) {
      const m = renderAlertEmail({ kind, issuer: "Acme", at, changes: ["email address"] });
      expect(m.text).not.toMatch(/https?:|www\./i);
      const s = renderAlertSms({ kind, issuer: "Acme", at });
      expect(s.length).toBeLessThanOrEqual(SMS_MAX);
      expect(s.endsWith(". If this wasn't you, change your password.")).toBe(true);
    }
  });
});
