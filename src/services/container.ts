/**
 * Wires every dependency in one place (bindings → services). Routes and services never construct
 * clients themselves; tests can replace the clock or RNG through `createApp({ overrides })`.
 */
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { Config } from "../env.ts";
import { parseKeyring, randomBytes, type EncryptionKeyring, type RandomBytes } from "../domain/crypto.ts";
import { utf8 } from "../domain/encoding.ts";
import { schema } from "../storage/d1/schema.ts";
import type { UserGuard } from "../storage/durable-objects/user-guard.ts";
import type { PasskeyChallenge } from "../storage/durable-objects/ceremonies.ts";
import { countingD1, counters } from "./instrumentation.ts";

export type Db = DrizzleD1Database<typeof schema>;

export type Services = {
  db: Db;
  config: Config;
  /** Unix seconds. */
  now: () => number;
  random: RandomBytes;
  keyring: EncryptionKeyring;
  pepper: Uint8Array;
  jwtKey: string;
  /** The user's Durable Object: one per (tenant, user). */
  guard: (tenantId: string, userId: string) => GuardApi;
  /** The Durable Object named inside a twoFactorId; null when the id is not one of ours. */
  guardById: (hexId: string) => GuardApi | null;
  /** The object holding one discoverable-login challenge, named by the challenge's SHA-256 (hex). */
  passkeyChallenge: (challengeHash: string) => Pick<PasskeyChallenge, "put" | "take">;
  /** Work that may finish after the response (lastUsed updates). */
  defer: (p: Promise<unknown>) => void;
};

/**
 * The UserGuard's RPC surface as plain async methods. The generated stub type drops union members
 * whose payloads contain `unknown` (JSON blobs such as `state`), so callers see this interface.
 */
export type GuardApi = Pick<
  UserGuard,
  | "checkLock"
  | "recordFailedAttempt"
  | "startChallenge"
  | "verifyChallenge"
  | "settleRecovery"
  | "addChallengeCode"
  | "verifyDirect"
  | "settleDirect"
  | "rememberStep"
  | "forgetMethods"
  | "trustStatus"
  | "unlock"
  | "erase"
  | "lockState"
  | "revokeTrusts"
  | "putCeremony"
  | "takeCeremony"
  | "settleAssertion"
  | "beginChallengeCeremony"
  | "takeChallengeCeremony"
  | "settlePasskey"
> & { id: DurableObjectId };

export type ServiceOverrides = Partial<Pick<Services, "now" | "random">>;

const keyringCache = new Map<string, EncryptionKeyring>();

export function buildServices(env: Env, config: Config, defer: (p: Promise<unknown>) => void, overrides: ServiceOverrides = {}): Services {
  let keyring = keyringCache.get(config.ENCRYPTION_KEYS);
  if (!keyring) {
    keyring = parseKeyring(config.ENCRYPTION_KEYS);
    keyringCache.set(config.ENCRYPTION_KEYS, keyring);
  }
  const instrument = config.BENCH_INSTRUMENTATION === "1";
  const d1 = instrument ? countingD1(env.DB) : env.DB;
  const ns = env.USER_GUARD;
  return {
    db: drizzle(d1, { schema }),
    config,
    now: overrides.now ?? (() => Math.floor(Date.now() / 1000)),
    random: overrides.random ?? randomBytes,
    keyring,
    pepper: utf8(config.HASH_PEPPER),
    jwtKey: config.JWT_SIGNING_KEY,
    guard: (tenantId, userId) => {
      if (instrument) counters.doCalls++;
      return ns.get(ns.idFromName(`${tenantId}:${userId}`)) as unknown as GuardApi;
    },
    guardById: (hexId) => {
      try {
        const id = ns.idFromString(hexId);
        if (instrument) counters.doCalls++;
        return ns.get(id) as unknown as GuardApi;
      } catch {
        return null;
      }
    },
    passkeyChallenge: (challengeHash) => {
      if (instrument) counters.doCalls++;
      return env.PASSKEY_CHALLENGE.get(env.PASSKEY_CHALLENGE.idFromName(`passkey-challenge:${challengeHash}`)) as unknown as Pick<PasskeyChallenge, "put" | "take">;
    },
    defer,
  };
}
