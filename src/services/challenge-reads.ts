/**
 * What a challenge start reads from D1 (the password login, ./challenges.ts, and the step-up start,
 * ./two-factor-start.ts), as parts of one SQL statement (src/storage/d1/one-statement.ts; issue 15):
 * the user, the application (unchecked: pass it to `requireApplication`), the user's registration
 * for it, and the signing keys `accessTokenSigner` chooses among.
 */
import type { Read } from "../storage/d1/one-statement.ts";
import { nothing } from "../storage/d1/one-statement.ts";
import type { ApplicationRow, RegistrationRow } from "../storage/d1/schema.ts";
import { registrationRead } from "./registrations.ts";
import { knownKeysRead, type KnownKeys } from "./signing-keys.ts";
import { applicationRead } from "./tenant-context.ts";
import { userIdOf, userRead, type LoadedUser, type UserLookup } from "./users.ts";

export type ChallengeReads = {
  loaded: Read<LoadedUser | null>;
  app: Read<ApplicationRow | null>;
  registration: Read<RegistrationRow | null>;
  keys: Read<KnownKeys>;
};

export function challengeReads(
  tenantId: string,
  lookup: UserLookup,
  applicationId: string | undefined,
): ChallengeReads {
  return {
    loaded: userRead(tenantId, lookup),
    app: applicationId ? applicationRead(tenantId, applicationId) : nothing,
    // By the user-id subquery, so a login id needs no second read either.
    registration: applicationId ? registrationRead(tenantId, userIdOf(tenantId, lookup), applicationId) : nothing,
    keys: knownKeysRead(tenantId, applicationId),
  };
}
