/**
 * A Durable Object's RPC surface is exactly its RPC methods (issue 12): the state it keeps and the
 * helpers that decide (count a failure, complete a challenge, read the lock, schedule the flush)
 * must not be callable by anything holding a stub. Workers RPC exposes every member on the class's
 * prototype chain, TypeScript `private`/`protected` included, so internals must be `#` members,
 * instance fields or module functions.
 */
import { runInDurableObject } from "cloudflare:test";
import { DurableObject, env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const RPC_METHODS = [
  "addChallengeCode",
  "beginChallengeCeremony",
  "checkLock",
  "commitChallengeSend",
  "commitSlotSend",
  "consumeStepUpProof",
  "endSessions",
  "erase",
  "listTrusts",
  "lockState",
  "peekChallengeSend",
  "putCeremony",
  "recordEvents",
  "recordFailedAttempt",
  "recordStandInFailure",
  "removeMethods",
  "revokeTrusts",
  "settleAssertion",
  "settleDirect",
  "settlePasskey",
  "settleRecovery",
  "startChallenge",
  "takeCeremony",
  "takeChallengeCeremony",
  "trustStatus",
  "unlock",
  "verifyChallenge",
  "verifyDirect",
];

/** Every member name on the prototype chain below DurableObject: what a stub can reach. */
function exposed(instance: object): string[] {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(instance); p && p !== DurableObject.prototype; p = Object.getPrototypeOf(p))
    for (const n of Object.getOwnPropertyNames(p)) if (n !== "constructor" && n !== "alarm") names.add(n);
  return [...names].sort();
}

describe("UserGuard RPC surface", () => {
  it("exposes its RPC methods and nothing else (no lock, failure, completion or storage helpers)", async () => {
    const stub = env.USER_GUARD.get(env.USER_GUARD.idFromName(`rpc-surface:${crypto.randomUUID()}`));
    const names = await runInDurableObject(stub, (instance: object) => exposed(instance));
    expect(names).toEqual(RPC_METHODS);
  });

  it("the other objects expose only their RPC methods too", async () => {
    const surfaces = {
      webhooks: await runInDurableObject(
        env.WEBHOOK_DISPATCHER.get(env.WEBHOOK_DISPATCHER.idFromName("rpc-surface")),
        exposed,
      ),
      limiter: await runInDurableObject(env.SEND_LIMITER.get(env.SEND_LIMITER.idFromName("rpc-surface")), exposed),
      outbox: await runInDurableObject(env.DEV_OUTBOX.get(env.DEV_OUTBOX.idFromName("rpc-surface")), exposed),
      sessions: await runInDurableObject(env.OAUTH_SESSIONS.get(env.OAUTH_SESSIONS.idFromName("rpc-surface")), exposed),
    };
    expect(surfaces).toEqual({
      webhooks: ["enqueue"],
      limiter: ["refund", "take"],
      outbox: ["add", "clear", "list"],
      sessions: ["delete", "get", "list", "noteIssued", "put", "revokeAll", "take"],
    });
  });
});
