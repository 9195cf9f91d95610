/**
 * The authenticator app (TOTP, RFC 6238). Its rung accepts a code whose key matched (the async
 * phase did the HMAC) only at a time step not yet used for that method (RFC 6238 §5.2).
 */
import type { Factor } from "./types.ts";

const PUBLIC = { authenticator: { algorithm: "HmacSHA1", codeLength: 6, timeStep: 30 } } as const;

export const totp: Factor = {
  wire: "authenticator",
  label: "Authenticator app",
  enabled: (s) => s.multiFactorConfiguration.authenticator.enabled,
  stored: "method",
  delivery: "none",
  enrolment: "shared-secret",
  toggle: {
    field: "authenticator",
    label: "Authenticator app (TOTP)",
    patch: (enabled) => ({ multiFactorConfiguration: { authenticator: { enabled } } }),
  },
  method: {
    challengeCarries: "totp-key",
    publicFields: () => ({ authenticator: { ...PUBLIC.authenticator } }),
    destination: () => null,
    chooserLabel: (m) => (m.name ? `Authenticator app (${m.name})` : "Authenticator app"),
    accountLabel: (m) => (m.name ? `Authenticator app (${m.name})` : "Authenticator app"),
    addTitle: "Add an authenticator app",
  },
  guard: {
    completion: "authenticator",
    eventFactor: "authenticator",
    checker: {
      rank: 20,
      check(kv, a, store) {
        const match = a.totp.match;
        return match && store.acceptTotpStep(kv, match) ? { kind: "authenticator", match } : null;
      },
      // A code valid only at used steps, or whose step was taken meanwhile, is a replay (OWASP ASVS 4.0.3 2.8.5).
      refusal: (a) => (a.totp.replayed || a.totp.match !== null ? "replay" : undefined),
    },
  },
};
