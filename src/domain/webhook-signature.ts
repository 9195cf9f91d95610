/**
 * Webhook signatures (pure): `X-EdgeMFA-Signature: t=<unix seconds>,v1=<hex HMAC-SHA-256>` over
 * `"<t>.<raw body>"`, keyed with the endpoint's secret exactly as shown to its owner (the base64url
 * string's UTF-8 bytes, so a receiver never has to decode it). This is the receivers' reference
 * implementation; the dispatcher signs with it and the tests verify with it.
 *
 * Owns: the header names and format, signing, verification with a timestamp tolerance.
 * Must never: read the clock (`now` is an argument), log or return the secret, compare with `===`.
 */
import { constantTimeEqual, hmacSHA256 } from "./crypto.ts";
import { hexEncode, utf8 } from "./encoding.ts";

export const SIGNATURE_HEADER = "X-EdgeMFA-Signature";
export const EVENT_ID_HEADER = "X-EdgeMFA-Event-Id";
export const ATTEMPT_HEADER = "X-EdgeMFA-Delivery-Attempt";

/** Five minutes either way: long enough for clock skew and a slow hop, short enough to bound replays. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; reason: "malformed" | "timestamp_out_of_tolerance" | "mismatch" };

async function digestHex(secret: string, body: string, t: number): Promise<string> {
  return hexEncode(await hmacSHA256(utf8(secret), utf8(`${t}.${body}`)));
}

/**
 * The header value for `body` sent at `t` (unix seconds). `body` must be the exact bytes sent:
 * receivers verify the raw body before parsing it.
 */
export async function signPayload(secret: string, body: string, t: number): Promise<string> {
  if (!Number.isSafeInteger(t) || t < 0) throw new TypeError("signPayload: t must be unix seconds");
  if (secret.length === 0) throw new TypeError("signPayload: secret must not be empty");
  return `t=${t},v1=${await digestHex(secret, body, t)}`;
}

/** Parses `t=…,v1=…[,v1=…]`; unknown schemes are ignored so new ones can be added beside v1. */
function parseHeader(header: string): { t: number; v1: string[] } | null {
  if (header.length > 1024) return null;
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0) return null;
    if (key === "t") {
      if (t !== null || !/^[0-9]{1,12}$/.test(value)) return null;
      t = Number(value);
    } else if (key === "v1") {
      if (!/^[0-9a-f]{64}$/.test(value)) return null;
      v1.push(value);
    }
  }
  return t === null || v1.length === 0 ? null : { t, v1 };
}

/**
 * Checks a signature header against the raw body: the timestamp must lie within `toleranceSeconds`
 * of `now` (either direction), and one `v1` must equal the HMAC, compared in constant time.
 * Receivers should also drop an event id they have already processed (retries reuse the id).
 */
export async function verifySignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  now: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): Promise<SignatureCheck> {
  const parsed = header ? parseHeader(header) : null;
  if (!parsed || secret.length === 0) return { ok: false, reason: "malformed" };
  if (Math.abs(now - parsed.t) > toleranceSeconds) return { ok: false, reason: "timestamp_out_of_tolerance" };
  const expected = utf8(await digestHex(secret, body, parsed.t));
  let match = false;
  for (const candidate of parsed.v1) match = constantTimeEqual(utf8(candidate), expected) || match;
  return match ? { ok: true, timestamp: parsed.t } : { ok: false, reason: "mismatch" };
}
