/** Email codes: a one-time code sent to the method's address (src/services/oob-send.ts). */
import { oneTimeCodeChecker } from "./one-time-code.ts";
import type { Factor } from "./types.ts";

/** The masked form of an email address on a page shown before the second factor. */
function maskEmail(e: string): string {
  const at = e.indexOf("@");
  return at > 0 ? `${e[0]}•••${e.slice(at)}` : "•••";
}

export const email: Factor = {
  wire: "email",
  label: "Email",
  enabled: (s) => s.multiFactorConfiguration.email.enabled,
  stored: "method",
  delivery: "email",
  enrolment: "sent-code",
  toggle: {
    field: "email",
    label: "Email codes",
    patch: (enabled) => ({ multiFactorConfiguration: { email: { enabled } } }),
  },
  method: {
    challengeCarries: "send-target",
    publicFields: (m) => (m.email ? { email: m.email } : {}),
    destination: (m) => m.email,
    chooserLabel: (m) => `Email a code to ${maskEmail(m.email ?? "")}`,
    accountLabel: (m) => `Email: ${m.email ?? ""}`,
    addTitle: "Add email",
    field: { name: "email", label: "Email address", type: "email", autocomplete: "email", prefill: "email" },
  },
  guard: { completion: "code", eventFactor: "email", checker: oneTimeCodeChecker },
};
