/**
 * Passkeys (WebAuthn Level 3). Answered by an assertion the worker verifies
 * (src/services/webauthn.ts) and settles in the UserGuard, so it has no typed-code rung.
 */
import type { Factor } from "./types.ts";

export const passkey: Factor = {
  wire: "webauthn",
  label: "Passkey",
  enabled: (s) => s.webAuthnConfiguration.enabled,
  stored: "passkey",
  delivery: "none",
  enrolment: "ceremony",
  toggle: {
    field: "passkeys",
    label: "Passkeys (needs a relying party)",
    patch: (enabled) => ({ webAuthnConfiguration: { enabled } }),
  },
  guard: { completion: "webauthn", eventFactor: "webauthn" },
};
