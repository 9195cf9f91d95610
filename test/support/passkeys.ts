/**
 * Route-test support for passkeys: a tenant with WebAuthn on (every workflow enabled), registration
 * through the real routes with a SoftAuthenticator, and the options → assertion round trip.
 *
 *   const t = await passkeyTenant();
 *   const user = await createUser(t.key);
 *   const auth = await registerPasskey(t, user.id);
 *   const options = (await call("POST", "/api/webauthn/start", { key: t.key, body: {} })).body.options;
 *   const credential = await signFor(auth, options, { userId: user.id });
 */
import { call, seedTenant } from "./mfa.ts";
import { SoftAuthenticator, type CeremonyOptions } from "./soft-authenticator.ts";

export const RP_ID = "app.example.com";
export const ORIGIN = "https://app.example.com";

export type PasskeyTenant = { tenantId: string; key: string };

export function webAuthnSettings(overrides: Record<string, unknown> = {}) {
  const on = { enabled: true };
  return {
    webAuthnConfiguration: {
      enabled: true,
      relyingPartyId: RP_ID,
      relyingPartyName: "Example",
      allowedOrigins: [ORIGIN],
      bootstrapWorkflow: on,
      reauthenticationWorkflow: on,
      secondFactorWorkflow: on,
      ...overrides,
    },
  };
}

export async function passkeyTenant(settings: Record<string, unknown> = {}): Promise<PasskeyTenant> {
  return seedTenant({ ...webAuthnSettings(), ...settings });
}

/** register/start → SoftAuthenticator → register/complete; returns the authenticator and the stored credential JSON. */
export async function registerPasskey(
  t: PasskeyTenant,
  userId: string,
  opts: { backupEligible?: boolean; workflow?: string; name?: string } = {},
) {
  const auth = await SoftAuthenticator.create({ backupEligible: opts.backupEligible });
  const start = await call("POST", "/api/webauthn/register/start", {
    key: t.key,
    body: { userId, displayName: "Test user", name: opts.name ?? "laptop", workflow: opts.workflow ?? "bootstrap" },
  });
  if (start.status !== 200) throw new Error(`register/start: ${start.status} ${start.text}`);
  const credential = await auth.register({ challenge: start.body.options.challenge, origin: ORIGIN, rpId: RP_ID });
  const done = await call("POST", "/api/webauthn/register/complete", {
    key: t.key,
    body: { userId, origin: ORIGIN, rpId: RP_ID, credential },
  });
  if (done.status !== 200) throw new Error(`register/complete: ${done.status} ${done.text}`);
  return { auth, credential: done.body.credential as Record<string, any> };
}

/** Signs request options as a browser would (counter increments per call unless given). */
const counters = new WeakMap<SoftAuthenticator, number>();
export function signFor(
  auth: SoftAuthenticator,
  options: { challenge: string },
  o: Partial<CeremonyOptions> & { userId?: string } = {},
) {
  const counter = o.counter ?? (counters.get(auth) ?? 0) + 1;
  counters.set(auth, counter);
  return auth.assert({ origin: ORIGIN, rpId: RP_ID, ...o, challenge: o.challenge ?? options.challenge, counter });
}

/** POST /api/webauthn/start with `body`; throws unless 200; returns the options. */
export async function startOptions(
  t: PasskeyTenant,
  body: Record<string, unknown>,
): Promise<{ challenge: string; allowCredentials?: Array<{ id: string }>; userVerification?: string; rpId?: string }> {
  const r = await call("POST", "/api/webauthn/start", { key: t.key, body });
  if (r.status !== 200) throw new Error(`webauthn/start: ${r.status} ${r.text}`);
  return r.body.options;
}
