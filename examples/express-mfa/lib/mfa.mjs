/**
 * The MFA settings page's calls, each one a FusionAuth two-factor API call made with the unmodified
 * `@fusionauth/typescript-client` and a tenant-scoped API key, for the user id taken from the verified
 * access token (never from the form). Same requests as FusionAuth's MFA guide:
 *
 * | Action | Client method | Request |
 * |---|---|---|
 * | list methods | retrieveUser | GET /api/user/{userId} → user.twoFactor.methods |
 * | new TOTP secret | generateTwoFactorSecret | GET /api/two-factor/secret |
 * | enable (authenticator, email, sms) | enableTwoFactor | POST /api/user/two-factor/{userId} → recoveryCodes on the first method |
 * | send a code (enable: method+email/mobilePhone; disable: methodId) | sendTwoFactorCodeForEnableDisable | POST /api/two-factor/send |
 * | disable | disableTwoFactor | DELETE /api/user/two-factor/{userId}?methodId=…&code=… |
 * | new recovery codes | generateTwoFactorRecoveryCodes | POST /api/user/two-factor/recovery-code/{userId} |
 */
import { FusionAuthClient } from "@fusionauth/typescript-client";

/**
 * @param {{ apiKey: string, edgeMfaUrl: string, tenantId: string }} config
 */
export function mfaClient(config) {
  const client = new FusionAuthClient(config.apiKey, config.edgeMfaUrl, config.tenantId);
  return {
    client,
    /** @param {string} userId */
    async user(userId) {
      const r = await client.retrieveUser(userId);
      const user = r.response.user ?? {};
      return { email: user.email, mobilePhone: user.mobilePhone, methods: user.twoFactor?.methods ?? [] };
    },
    async newSecret() {
      const r = await client.generateTwoFactorSecret();
      return { secret: r.response.secret ?? "", secretBase32Encoded: r.response.secretBase32Encoded ?? "" };
    },
    /**
     * @param {string} userId
     * @param {{ method: "authenticator" | "email" | "sms", code: string, secret?: string, secretBase32Encoded?: string, email?: string, mobilePhone?: string }} req
     * @returns {Promise<string[]>} recovery codes when this was the user's first method, else []
     */
    async enable(userId, req) {
      const r = await client.enableTwoFactor(userId, req);
      return r.response?.recoveryCodes ?? [];
    },
    /**
     * @param {string} userId
     * @param {{ method: "email", email: string } | { method: "sms", mobilePhone: string } | { methodId: string }} what
     */
    async sendCode(userId, what) {
      await client.sendTwoFactorCodeForEnableDisable({ userId, ...what });
    },
    /** @param {string} userId @param {string} methodId @param {string} code */
    async disable(userId, methodId, code) {
      await client.disableTwoFactor(userId, methodId, code);
    },
    /** @param {string} userId */
    async newRecoveryCodes(userId) {
      const r = await client.generateTwoFactorRecoveryCodes(userId);
      return r.response.recoveryCodes ?? [];
    },
  };
}

/**
 * What to tell the user when a call was refused. The client rejects with `{statusCode, exception}`.
 * @param {unknown} err
 */
export function apiFailure(err) {
  const e = /** @type {{ statusCode?: number, exception?: any }} */ (err ?? {});
  if (e.statusCode === 421) return "That code is not right (or it expired). Try again.";
  if (e.statusCode === 400 && e.exception) {
    const field = Object.values(e.exception.fieldErrors ?? {}).flat()[0];
    const general = (e.exception.generalErrors ?? [])[0];
    const first = /** @type {{ message?: string } | undefined} */ (field ?? general);
    if (first?.message) return first.message;
  }
  if (e.statusCode === 429) return "Too many attempts; wait a minute and try again.";
  if (typeof e.statusCode === "number") return `edge-mfa refused the request (${e.statusCode}).`;
  return "edge-mfa could not be reached.";
}

/** A method as one line for the table. @param {{ method?: string, email?: string, mobilePhone?: string, name?: string }} m */
export function describeMethod(m) {
  if (m.method === "authenticator") return { kind: "Authenticator app", detail: m.name ?? "" };
  if (m.method === "email") return { kind: "Email", detail: m.email ?? "" };
  if (m.method === "sms") return { kind: "SMS", detail: m.mobilePhone ?? "" };
  return { kind: m.method ?? "unknown", detail: m.name ?? "" };
}
