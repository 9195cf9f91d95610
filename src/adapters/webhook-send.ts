/**
 * One webhook delivery attempt: sign the body, POST it with the endpoint's headers and deadline, and
 * classify the answer. Outbound HTTP is injected (`fetch`), so the caller decides the transport.
 *
 * Must never: throw for a failed delivery (it returns the outcome), follow a redirect (the signed
 * body would go to a host nobody configured), read or keep the response body, or put the secret,
 * the URL's query or the response into `error`.
 */
import type { FetchFn } from "../adapters/http.ts";
import { webhookUrlProblem } from "../domain/ssrf.ts";
import { ATTEMPT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, signPayload } from "../domain/webhook-signature.ts";

export type DeliveryRequest = {
  url: string;
  /** The endpoint's custom headers; the dispatcher's own headers win over them. */
  headers: Record<string, string>;
  /** Milliseconds for the whole attempt. */
  timeoutMs: number;
  secret: string;
  /** `JSON.stringify({event})`, identical on every attempt. */
  body: string;
  eventId: string;
  /** 1-based. */
  attempt: number;
  /** Unix seconds: the signature's `t`. */
  now: number;
};

/** `permanent`: retrying cannot help (the target is refused by policy), so the delivery fails now. */
export type DeliveryOutcome =
  | { ok: true; statusCode: number }
  | { ok: false; statusCode: number | null; error: string; permanent?: true };

/**
 * `production`: the URL policy is checked again before every fetch (a row stored before the policy,
 * or under another ENVIRONMENT, never reaches a loopback, private or metadata address).
 */
export async function sendWebhook(
  req: DeliveryRequest,
  fetchFn: FetchFn,
  policy: { production: boolean },
): Promise<DeliveryOutcome> {
  if (webhookUrlProblem(req.url, policy) !== null)
    return { ok: false, statusCode: null, error: "target refused by the webhook URL policy", permanent: true };
  const headers = new Headers(req.headers);
  headers.set("Content-Type", "application/json");
  headers.set(SIGNATURE_HEADER, await signPayload(req.secret, req.body, req.now));
  headers.set(EVENT_ID_HEADER, req.eventId);
  headers.set(ATTEMPT_HEADER, String(req.attempt));
  let res: Response;
  try {
    res = await fetchFn(req.url, {
      method: "POST",
      headers,
      body: req.body,
      redirect: "manual",
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    const name = (err as { name?: string } | null)?.name;
    const timedOut = name === "TimeoutError" || name === "AbortError";
    return {
      ok: false,
      statusCode: null,
      error: timedOut ? `timed out after ${req.timeoutMs} ms` : "connection failed",
    };
  }
  // The body is never read: it is the receiver's, and may echo anything.
  await res.body?.cancel().catch(() => {});
  if (res.status >= 200 && res.status < 300) return { ok: true, statusCode: res.status };
  return {
    ok: false,
    statusCode: res.status,
    error: res.status >= 300 && res.status < 400 ? `redirect (HTTP ${res.status}) not followed` : `HTTP ${res.status}`,
  };
}
