/**
 * Every key the Durable Objects store, in one place so two modules of one object can never pick the
 * same prefix. Most belong to the UserGuard (one object per tenant and user,
 * src/objects/user-guard.ts); each entry names the module that owns it. The OAuthSessions object
 * (./oauth-sessions.ts) keeps its `<kind>:<hash>` keys beside its class.
 * Changing a string here orphans the records stored under the old one: these are a storage format.
 */

// ./lock.ts: the account's failure counters and lock (src/domain/lockout.ts).
export const LOCKOUT_KEY = "lockout";

// ./guard-challenges.ts: live challenges (twoFactorIds), stored under SHA-256 of the nonce (hex).
export const CHALLENGE_PREFIX = "c:";
export const challengeKeyOf = (nonceHashHex: string): string => CHALLENGE_PREFIX + nonceHashHex;
/** A lower bound of the earliest instant a stored challenge becomes sweepable (no list before it). */
export const CHALLENGE_SWEEP_AT_KEY = "c-sweep-at";
/** The method id of the latest completion that named a method (whether `lastUsed` needs a write). */
export const LAST_METHOD_KEY = "last-method";

// ./trusts.ts: device trusts, stored under SHA-256 of the trust id (hex).
export const TRUST_PREFIX = "t:";
export const trustKeyOf = (trustIdHashHex: string): string => TRUST_PREFIX + trustIdHashHex;

// ./oob-codes.ts: enable/disable code slots (`o:enable:email`, `o:disable:<methodId>`) and the user's send window.
export const SLOT_PREFIX = "o:";
export const slotKey = (slot: string): string => SLOT_PREFIX + slot;
export const SENDS_KEY = "sends";

// ./totp-replay.ts: the last accepted TOTP step per method, and until when a removed method's step is kept.
export const stepKey = (methodId: string): string => `step:${methodId}`;
export const RETIRED_STEP_PREFIX = "step-until:";
export const retiredStepKey = (methodId: string): string => RETIRED_STEP_PREFIX + methodId;

// ./step-up-proofs.ts: consumed step-up proofs (SHA-256 of the jti) and the revocation instant.
export const PROOF_PREFIX = "su:";
/** The proof epoch: moved on by every factor change; a proof is consumed only in the epoch it was earned in. */
export const PROOF_EPOCH_KEY = "su-epoch";

// ./ceremonies.ts: WebAuthn ceremonies (SHA-256 of the challenge) and their in-flight markers.
export const CEREMONY_PREFIX = "wc:";
export const CEREMONY_USED_PREFIX = "wu:";

// ./guard-events.ts: the event outbox, the failed-attempt alert window, the login history.
export const OUTBOX_PREFIX = "e:";
export const ALERT_WINDOW_KEY = "alert-window";
export const HISTORY_KEY = "login-history";

// ./guard-flush.ts: the pending alarm's time, mirrored so a burst of events sets it once.
export const FLUSH_AT_KEY = "flush-at";
/** Only in a stand-in guard (an unknown login id's): when (ms) it erases itself. */
export const STAND_IN_EXPIRES_KEY = "stand-in-expires";

// ---- The other objects (src/objects/) ---------------------------------------------------------

/** SendLimiter: its sliding window (src/domain/send-window.ts). */
export const SEND_WINDOW_KEY = "w";

/** DevOutbox: the message counter and the messages (`m:m<seq, 12 digits>`). */
export const DEV_OUTBOX_SEQ_KEY = "seq";
export const devOutboxKey = (seq: number): string => `m:m${String(seq).padStart(12, "0")}`;
export const DEV_OUTBOX_PREFIX = "m:";

/** WebhookDispatcher: one task per (webhook, event), and the time the current alarm was set for. */
export const WEBHOOK_TASK_PREFIX = "task:";
export const webhookTaskKey = (webhookId: string, eventId: string): string =>
  `${WEBHOOK_TASK_PREFIX}${webhookId}:${eventId}`;
export const WEBHOOK_ALARM_AT_KEY = "alarm-at";
