/**
 * Enabling a method of any registered kind (`POST /api/user/two-factor/{userId}`, the hosted
 * enrolment page, the account pages): dispatched on the factor's enrolment, so no caller branches
 * on a method name. Each service still checks that the tenant enables the factor.
 */
import { factorOf } from "../factors/registry.ts";
import { enableOobMethod } from "./oob-methods.ts";
import { enableMethod } from "./two-factor.ts";

/** A sent-code factor (email, SMS) proves its destination with the code sent there; the others a shared TOTP key. */
export const enrolMethod: typeof enableMethod = (s, ctx, userId, input) => {
  const factor = factorOf(input.method);
  return factor?.enrolment === "sent-code" && factor.delivery !== "none"
    ? enableOobMethod(s, ctx, userId, { ...input, method: factor.delivery })
    : enableMethod(s, ctx, userId, input);
};
