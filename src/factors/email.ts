/** Email codes: a one-time code sent to the method's address (src/services/oob-send.ts). */
import { maskEmail, oneTimeCodeChecker } from "./one-time-code.ts";
import type { Factor } from "./types.ts";

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
    publicFields: (m) => (m.email ? { email: m.email } : {}),
    destination: (m) => m.email,
    chooserLabel: (m) => `Email a code to ${maskEmail(m.email ?? "")}`,
    accountLabel: (m) => `Email: ${m.email ?? ""}`,
    addTitle: "Add email",
    field: { name: "email", label: "Email address", type: "email", autocomplete: "email" },
  },
  guard: { completion: "code", eventFactor: "email", checker: oneTimeCodeChecker },
};
