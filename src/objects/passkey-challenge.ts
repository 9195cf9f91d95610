import { DurableObject } from "cloudflare:workers";
import type { CeremonyRecord } from "../storage/durable-objects/user-guard-types.ts";
import { storeCeremony, takeCeremony, type CeremonyExpectation } from "../storage/durable-objects/ceremonies.ts";

/**
 * PasskeyChallenge: one object per discoverable-login challenge (`idFromName(sha256(challenge))`).
 * It holds one ceremony and an alarm that erases it at expiry; never an isolate Map or KV, which
 * could not consume atomically.
 */
export class PasskeyChallenge extends DurableObject<Env> {
  async put(challengeHash: string, record: CeremonyRecord, now: number): Promise<void> {
    storeCeremony(this.ctx.storage.kv, challengeHash, record, now);
    await this.ctx.storage.setAlarm(record.expiresAt * 1000);
  }

  async take(
    challengeHash: string,
    expect: CeremonyExpectation,
    now: number,
  ): Promise<CeremonyRecord | "in_flight" | null> {
    return takeCeremony(this.ctx.storage.kv, challengeHash, expect, now);
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
