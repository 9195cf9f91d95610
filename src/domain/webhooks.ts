/**
 * What the webhook routes and the WebhookDispatcher share: the stored settings shape, the signing
 * secret's lifecycle (generate, seal, open) and which events an endpoint receives.
 *
 * The secret must be usable for signing, so it is AES-GCM encrypted (not hashed), with AAD binding
 * the ciphertext to its webhook and tenant: a `secret_enc` copied to another row fails to decrypt.
 * Must never: log a secret or put one into an error.
 */
import { decryptSecret, drawRandomBytes, encryptSecret, type EncryptionKeyring, type RandomBytes } from "./crypto.ts";
import { base64UrlEncode, utf8 } from "./encoding.ts";
import type { EventType } from "./events.ts";

/** 256 bits per endpoint, shown once as base64url (43 characters). */
export const WEBHOOK_SECRET_BYTES = 32;

/** `webhooks.settings`: the FusionAuth-shaped fields besides the URL. */
export type WebhookSettings = {
  description?: string;
  /** Known event types only; `true` subscribes. */
  eventsEnabled: Partial<Record<EventType, boolean>>;
  headers: Record<string, string>;
  /** Milliseconds. Stored for FusionAuth compatibility; Workers' fetch has no separate connect phase. */
  connectTimeout: number;
  /** Milliseconds: the whole request's deadline. */
  readTimeout: number;
  data?: Record<string, unknown>;
};

export function webhookSecretAad(webhookId: string, tenantId: string): string {
  return `webhook-secret:${webhookId}:tenant:${tenantId}`;
}

/** A fresh signing secret and its ciphertext for `secret_enc`. */
export async function newWebhookSecret(
  keyring: EncryptionKeyring,
  random: RandomBytes,
  webhookId: string,
  tenantId: string,
): Promise<{ secret: string; secretEnc: string }> {
  const secret = base64UrlEncode(drawRandomBytes(random, WEBHOOK_SECRET_BYTES));
  const secretEnc = await encryptSecret(keyring, utf8(secret), webhookSecretAad(webhookId, tenantId), random);
  return { secret, secretEnc };
}

/** Decrypts `secret_enc`; throws (without detail) when the row was tampered with or moved. */
export async function openWebhookSecret(
  keyring: EncryptionKeyring,
  row: { id: string; tenantId: string; secretEnc: string },
): Promise<string> {
  return new TextDecoder().decode(await decryptSecret(keyring, row.secretEnc, webhookSecretAad(row.id, row.tenantId)));
}

/** Whether an endpoint with these settings receives events of `type`. */
export function subscribes(settings: WebhookSettings, type: string): boolean {
  return Object.hasOwn(settings.eventsEnabled, type) && settings.eventsEnabled[type as EventType] === true;
}
