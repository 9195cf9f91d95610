/**
 * OAuth client secrets (RFC 6749 §2.3.1). A secret is 256 random bits, base64url (43 characters),
 * shown once — in the response that created or rotated it — and stored only as a keyed hash
 * (HMAC-SHA-256 under the server pepper, purpose "client-secret"): a stolen D1 copy cannot
 * authenticate as the client. Verification compares hashes in constant time (ASVS 5.0 11.2.4).
 */
import { eq } from "drizzle-orm";
import { constantTimeEqual, drawRandomBytes } from "../../domain/crypto.ts";
import { base64UrlEncode, utf8 } from "../../domain/encoding.ts";
import { applications, type ApplicationRow } from "../../storage/d1/schema.ts";
import type { Services } from "../container.ts";
import { keyedHash } from "../hashing.ts";

const SECRET_BYTES = 32;

export function generateClientSecret(s: Services): string {
  return base64UrlEncode(drawRandomBytes(s.random, SECRET_BYTES));
}

export function clientSecretHash(s: Services, applicationId: string, secret: string): Promise<string> {
  return keyedHash(s.pepper, "client-secret", applicationId, secret);
}

/** A fresh secret and its hash for a new application (the secret goes into the create response only). */
export async function newClientSecret(s: Services, applicationId: string): Promise<{ secret: string; hash: string }> {
  const secret = generateClientSecret(s);
  return { secret, hash: await clientSecretHash(s, applicationId, secret) };
}

/** Whether any of `candidates` is the application's secret. Every candidate is hashed and compared. */
export async function verifyClientSecret(s: Services, app: ApplicationRow, candidates: string[]): Promise<boolean> {
  const stored = app.clientSecretHash;
  let match = false;
  for (const candidate of candidates) {
    const hash = await clientSecretHash(s, app.id, candidate);
    // Compared even when nothing is stored, so a client without a secret answers in the same time.
    const equal = constantTimeEqual(utf8(hash), utf8(stored ?? ""));
    match = match || (stored !== null && equal);
  }
  return match;
}

/** An application by id in any tenant (a client id names its tenant), or null. */
export async function loadApplicationById(s: Services, id: string): Promise<ApplicationRow | null> {
  const lower = id.toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(lower)) return null;
  const [row] = await s.db.select().from(applications).where(eq(applications.id, lower)).limit(1);
  return row ?? null;
}
