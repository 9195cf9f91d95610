/**
 * The composition root: wires every dependency in one place. `buildServices` (bindings → services,
 * per request) for routes and services; `objectDeps` (bindings → what a Durable Object needs, once
 * per isolate) for the objects in src/objects/, which build nothing themselves. Tests can replace
 * the clock or RNG through `createApp({ overrides })`.
 */
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { isDevEnvironment, parseConfig, type Config } from "../config.ts";
import { parseKeyring, randomBytes, type EncryptionKeyring, type RandomBytes } from "../domain/crypto.ts";
import { utf8 } from "../domain/encoding.ts";
import { schema } from "../storage/d1/schema.ts";
import type { UserGuard, UserGuardDeps } from "../objects/user-guard.ts";
import type { SendLimiter } from "../objects/send-limiter.ts";
import type { DevOutbox } from "../objects/dev-outbox.ts";
import type { FetchFn } from "../adapters/http.ts";
import { sendWebhook } from "../adapters/webhook-send.ts";
import type { WebhookDispatcherDeps } from "../objects/webhook-dispatcher.ts";
import { buildSenders, type Senders } from "./senders.ts";
import type { PasskeyChallenge } from "../objects/passkey-challenge.ts";
import type { OAuthSessions } from "../objects/oauth-sessions.ts";
import { countingD1, countingStub, noteAlarmRun, startDeferred } from "./instrumentation.ts";
import { eventDeps } from "./event-flush.ts";
import { failClosed, type ObjectBinding } from "./object-outage.ts";

export type Db = DrizzleD1Database<typeof schema>;

export type Services = {
  db: Db;
  config: Config;
  /** Unix seconds. */
  now: () => number;
  random: RandomBytes;
  keyring: EncryptionKeyring;
  pepper: Uint8Array;
  /** The user's Durable Object: one per (tenant, user). */
  guard: (tenantId: string, userId: string) => GuardApi;
  /** The Durable Object named inside a twoFactorId; null when the id is not one of ours. */
  guardById: (hexId: string) => GuardApi | null;
  /** The object holding one discoverable-login challenge, named by the challenge's SHA-256 (hex). */
  passkeyChallenge: (challengeHash: string) => Pick<PasskeyChallenge, "put" | "take">;
  /** The user's OAuth codes, refresh tokens and SSO sessions (src/services/oauth/grants.ts). */
  sessions: (tenantId: string, userId: string) => SessionsApi;
  /** The OAuthSessions object named inside a code, refresh token or SSO cookie; null when not one of ours. */
  sessionsById: (hexId: string) => SessionsApi | null;
  /** Mail and SMS senders selected by MAIL_PROVIDER / SMS_PROVIDER (src/services/senders.ts). */
  senders: Senders;
  /** The send-cap bucket named `bucket` (destination, client IP or tenant). */
  limiter: (bucket: string) => Pick<SendLimiter, "take" | "refund">;
  /** The development outbox (MAIL_PROVIDER / SMS_PROVIDER = outbox; GET /dev/outbox). */
  outbox: () => Pick<DevOutbox, "add" | "list">;
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
  | "recordStandInFailure"
  | "startChallenge"
  | "verifyChallenge"
  | "settleRecovery"
  | "addChallengeCode"
  | "verifyDirect"
  | "settleDirect"
  | "removeMethods"
  | "trustStatus"
  | "unlock"
  | "erase"
  | "lockState"
  | "revokeTrusts"
  | "endSessions"
  | "listTrusts"
  | "recordEvents"
  | "consumeStepUpProof"
  | "peekChallengeSend"
  | "commitChallengeSend"
  | "commitSlotSend"
  | "putCeremony"
  | "takeCeremony"
  | "settleAssertion"
  | "beginChallengeCeremony"
  | "takeChallengeCeremony"
  | "settlePasskey"
> & { id: DurableObjectId };

export type SessionsApi = Pick<
  OAuthSessions,
  "put" | "get" | "take" | "noteIssued" | "delete" | "list" | "revokeAll"
> & {
  id: DurableObjectId;
};

export type ServiceOverrides = Partial<Pick<Services, "now" | "random">> & {
  /** The mail and SMS adapters' outbound fetch (tests inject provider answers). */
  fetch?: FetchFn;
  /** The adapters' retry backoff (tests skip the wait). */
  sleep?: (ms: number) => Promise<void>;
  /** Sees every Durable Object stub before use (fault-injection tests make its calls fail). */
  stubs?: <T extends object>(binding: ObjectBinding, stub: T) => T;
};

const keyringCache = new Map<string, EncryptionKeyring>();

/**
 * drizzle over a D1 binding, built once per isolate and binding: its constructor walks the whole
 * schema (`extractTablesRelationalConfig`), which the CPU profile of `/api/two-factor/start` showed
 * on every request and on every UserGuard's first flush. The instance holds no per-request state.
 */
const dbs = new WeakMap<D1Database, Db>();
const countedDbs = new WeakMap<D1Database, Db>();
function dbOf(binding: D1Database, counted = false): Db {
  const cache = counted ? countedDbs : dbs;
  let db = cache.get(binding);
  if (!db) {
    db = drizzle(counted ? countingD1(binding) : binding, { schema });
    cache.set(binding, db);
  }
  return db;
}

function keyringOf(keys: string): EncryptionKeyring {
  let keyring = keyringCache.get(keys);
  if (!keyring) {
    keyring = parseKeyring(keys);
    keyringCache.set(keys, keyring);
  }
  return keyring;
}

export function buildServices(
  env: Env,
  config: Config,
  defer: (p: Promise<unknown>) => void,
  overrides: ServiceOverrides = {},
): Services {
  const keyring = keyringOf(config.ENCRYPTION_KEYS);
  const instrument = config.BENCH_INSTRUMENTATION === "1";
  // Every stub: the test hook (innermost), the bench counter, then fail-closed mapping of outages (outermost).
  const object = <T extends object>(binding: ObjectBinding, stub: T): T => {
    const seen = overrides.stubs ? overrides.stubs(binding, stub) : stub;
    return failClosed(
      binding,
      instrument && binding !== "SEND_LIMITER" && binding !== "DEV_OUTBOX" ? countingStub(seen) : seen,
    );
  };
  const ns = env.USER_GUARD;
  const now = overrides.now ?? (() => Math.floor(Date.now() / 1000));
  const outbox = () => object("DEV_OUTBOX", devOutbox(env));
  return {
    db: dbOf(env.DB, instrument),
    config,
    now,
    random: overrides.random ?? randomBytes,
    keyring,
    pepper: utf8(config.HASH_PEPPER),
    guard: (tenantId, userId) =>
      object("USER_GUARD", ns.get(ns.idFromName(`${tenantId}:${userId}`))) as unknown as GuardApi,
    guardById: (hexId) => {
      let id: DurableObjectId;
      try {
        id = ns.idFromString(hexId);
      } catch {
        return null;
      }
      return object("USER_GUARD", ns.get(id)) as unknown as GuardApi;
    },
    sessions: (tenantId, userId) =>
      object(
        "OAUTH_SESSIONS",
        env.OAUTH_SESSIONS.get(env.OAUTH_SESSIONS.idFromName(`${tenantId}:${userId}`)),
      ) as unknown as SessionsApi,
    sessionsById: (hexId) => {
      let id: DurableObjectId;
      try {
        id = env.OAUTH_SESSIONS.idFromString(hexId);
      } catch {
        return null;
      }
      return object("OAUTH_SESSIONS", env.OAUTH_SESSIONS.get(id)) as unknown as SessionsApi;
    },
    senders: buildSenders(config, {
      fetch: overrides.fetch ?? ((url, init) => fetch(url, init)),
      ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
      now,
      outbox,
    }),
    limiter: (bucket) =>
      object("SEND_LIMITER", env.SEND_LIMITER.get(env.SEND_LIMITER.idFromName(bucket))) as unknown as Pick<
        SendLimiter,
        "take" | "refund"
      >,
    outbox,
    passkeyChallenge: (challengeHash) =>
      object(
        "PASSKEY_CHALLENGE",
        env.PASSKEY_CHALLENGE.get(env.PASSKEY_CHALLENGE.idFromName(`passkey-challenge:${challengeHash}`)),
      ) as unknown as Pick<PasskeyChallenge, "put" | "take">,
    defer: instrument ? (p) => defer(startDeferred(p)) : defer,
  };
}

function devOutbox(env: Env): Pick<DevOutbox, "add" | "list"> {
  return env.DEV_OUTBOX.get(env.DEV_OUTBOX.idFromName("outbox")) as unknown as Pick<DevOutbox, "add" | "list">;
}

/**
 * The UserGuard's dependencies (src/objects/user-guard.ts), built on its first use in an object and
 * kept with it: the keyring, and the event flush over D1, the tenant's WebhookDispatcher and the
 * senders (built from the configuration once, on the first alert).
 */
export function userGuardDeps(env: Env): UserGuardDeps {
  const bench = (env as unknown as Record<string, unknown>).BENCH_INSTRUMENTATION === "1";
  let senders: Senders | null | undefined;
  return {
    keyring: keyringOf(env.ENCRYPTION_KEYS),
    flush: eventDeps({
      db: dbOf(env.DB),
      senders: () => {
        if (senders !== undefined) return senders;
        const parsed = parseConfig(env as unknown as Record<string, unknown>);
        senders = parsed.ok
          ? buildSenders(parsed.config, {
              fetch: (url, init) => fetch(url, init),
              now: () => Math.floor(Date.now() / 1000),
              outbox: () => devOutbox(env),
            })
          : null;
        return senders;
      },
      webhooks: (tenantId) => env.WEBHOOK_DISPATCHER.get(env.WEBHOOK_DISPATCHER.idFromName(`webhooks:${tenantId}`)),
    }),
    timeAlarm: bench
      ? async (run) => {
          const start = Date.now();
          try {
            await run();
          } finally {
            noteAlarmRun(start, Date.now());
          }
        }
      : (run) => run(),
  };
}

/** The WebhookDispatcher's dependencies (src/objects/webhook-dispatcher.ts): keyring, D1, the sender under the URL policy. */
export function webhookDispatcherDeps(env: Env): WebhookDispatcherDeps {
  const production = !isDevEnvironment(env.ENVIRONMENT);
  return {
    keyring: keyringOf(env.ENCRYPTION_KEYS),
    db: dbOf(env.DB),
    send: (request) => sendWebhook(request, (url, init) => fetch(url, init), { production }),
  };
}
