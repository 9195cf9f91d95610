/** Tenant settings shared by the browser tests that register passkeys against a local `wrangler dev`. */

/** A tenant's `webAuthnConfiguration` for a local run: RP id localhost, the page's origin, every workflow on. */
export function localWebAuthn(origin: string, relyingPartyName: string): Record<string, unknown> {
  const on = { enabled: true };
  return {
    enabled: true,
    relyingPartyId: "localhost",
    relyingPartyName,
    allowedOrigins: [origin],
    bootstrapWorkflow: on,
    reauthenticationWorkflow: on,
    secondFactorWorkflow: on,
  };
}
