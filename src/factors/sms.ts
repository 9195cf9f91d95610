/** SMS codes: a one-time code texted to the method's number (src/services/oob-send.ts). */
import { oneTimeCodeChecker } from "./one-time-code.ts";
import type { Factor } from "./types.ts";

export const sms: Factor = {
  wire: "sms",
  label: "Text message (SMS)",
  enabled: (s) => s.multiFactorConfiguration.sms.enabled,
  stored: "method",
  delivery: "sms",
  enrolment: "sent-code",
  toggle: {
    field: "sms",
    label: "SMS codes",
    patch: (enabled) => ({ multiFactorConfiguration: { sms: { enabled } } }),
  },
  method: {
    challengeCarries: "send-target",
    publicFields: (m) => (m.mobilePhone ? { mobilePhone: m.mobilePhone } : {}),
    destination: (m) => m.mobilePhone,
    chooserLabel: (m) => `Text a code to •••${(m.mobilePhone ?? "").slice(-4)}`,
    accountLabel: (m) => `Text message: ${m.mobilePhone ?? ""}`,
    addTitle: "Add text message (SMS)",
    field: {
      name: "mobilePhone",
      label: "Mobile phone",
      hint: "with country code, e.g. +14155550100",
      type: "tel",
      autocomplete: "tel",
    },
  },
  guard: { completion: "code", eventFactor: "sms", checker: oneTimeCodeChecker },
};
