/**
 * What every mail and SMS adapter shares: the outcome type, one HTTP attempt with a timeout, and
 * bounded, jittered retries of transient failures.
 *
 * Owns: transport. Must never: throw for anything a provider answers, put provider text into an
 * outcome (only the HTTP status and the provider's numeric or symbolic error code, for operator
 * logs), or retry anything but `transient`.
 */

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/**
 * - `invalid_recipient`: the address or number is malformed or cannot receive (client input at fault).
 * - `suppressed`: the recipient opted out (SMS STOP) or is on the provider's suppression list.
 * - `region_blocked`: the destination country is not enabled for this sender.
 * - `rate_limited`: the provider throttles us; `retryAfterSec` when it said so.
 * - `auth`: credentials refused. `misconfigured`: sender, account or region settings refused.
 * - `rejected`: any other refusal of our request (a bug or a provider change).
 * - `transient`: 5xx, timeout or network failure; the only kind that is retried.
 */
export type SendFailureKind =
  | "invalid_recipient"
  | "suppressed"
  | "region_blocked"
  | "rate_limited"
  | "auth"
  | "misconfigured"
  | "rejected"
  | "transient";

export type SendOutcome =
  | { ok: true; id: string }
  | { ok: false; kind: SendFailureKind; retryAfterSec?: number; status?: number; providerCode?: string | number };

export type TransportOptions = {
  fetch: FetchFn;
  /** Per attempt. Default 5000 ms. */
  timeoutMs?: number;
  /** Extra attempts after a transient failure. Default 2 (three attempts in all). */
  retries?: number;
  /** Backoff base: attempt n waits base·2^(n−1) plus up to base of jitter. Default 250 ms. */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
};

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_RETRIES = 2;
export const DEFAULT_BASE_DELAY_MS = 250;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` until it is not transient or the retry budget is spent. */
export async function withRetries(o: TransportOptions, attempt: () => Promise<SendOutcome>): Promise<SendOutcome> {
  const retries = Math.max(0, Math.min(o.retries ?? DEFAULT_RETRIES, 5));
  const base = o.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const sleep = o.sleep ?? defaultSleep;
  let outcome = await attempt();
  for (let n = 1; n <= retries && !outcome.ok && outcome.kind === "transient"; n++) {
    const jitter = (crypto.getRandomValues(new Uint16Array(1))[0]! / 0xffff) * base;
    await sleep(base * 2 ** (n - 1) + jitter);
    outcome = await attempt();
  }
  return outcome;
}

export type HttpAnswer = { status: number; headers: Headers; body: unknown };

/**
 * One logical send: POSTs `body` with retries. `accept` turns a success answer into an outcome (null
 * when the answer is not a success after all); `mapError` maps everything else, null = no answer.
 */
export function postWithRetries(
  o: TransportOptions,
  url: string,
  headers: Record<string, string>,
  body: string,
  accept: (a: HttpAnswer) => SendOutcome | null,
  mapError: (a: HttpAnswer | null) => SendOutcome,
): Promise<SendOutcome> {
  return withRetries(o, async () => {
    const a = await httpAttempt(o, url, { method: "POST", headers, body });
    return (a && accept(a)) ?? mapError(a);
  });
}

export const is2xx = (a: HttpAnswer) => a.status >= 200 && a.status < 300;

/** One request with a timeout. Network errors and timeouts come back as null (transient), never thrown. */
export async function httpAttempt(o: TransportOptions, url: string, init: RequestInit): Promise<HttpAnswer | null> {
  let res: Response;
  try {
    res = await o.fetch(url, { ...init, signal: AbortSignal.timeout(o.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
  } catch {
    return null;
  }
  let body: unknown;
  try {
    const text = await res.text();
    body = text && text.length <= 65_536 ? JSON.parse(text) : undefined;
  } catch {
    body = undefined; // not JSON, or the body timed out: the status still tells the story
  }
  return { status: res.status, headers: res.headers, body };
}

/** `Retry-After` in seconds (delta or HTTP date), bounded to an hour; undefined when absent or unreadable. */
export function retryAfterOf(headers: Headers, nowMs = Date.now()): number | undefined {
  const v = headers.get("retry-after")?.trim();
  if (!v) return undefined;
  const secs = /^\d+$/.test(v) ? Number(v) : Math.ceil((Date.parse(v) - nowMs) / 1000);
  return Number.isFinite(secs) && secs >= 0 ? Math.min(secs, 3600) : undefined;
}

/** The kind an HTTP status implies when the body says nothing more specific. */
export function kindOfStatus(status: number): SendFailureKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 429) return "rate_limited";
  if (status >= 500 || status === 408) return "transient";
  return "rejected";
}

/** A failure outcome for an HTTP answer, carrying only status, code and Retry-After. */
export function failure(kind: SendFailureKind, a: HttpAnswer | null, providerCode?: string | number): SendOutcome {
  const out: SendOutcome = { ok: false, kind };
  if (a) {
    out.status = a.status;
    const ra = retryAfterOf(a.headers);
    if (ra !== undefined) out.retryAfterSec = ra;
  }
  if (providerCode !== undefined) out.providerCode = providerCode;
  return out;
}

export function field(body: unknown, name: string): unknown {
  return body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
}

export function trimBase(url: string): string {
  return url.replace(/\/+$/, "");
}
