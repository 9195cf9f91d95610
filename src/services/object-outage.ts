/**
 * Fail closed, and say so, when a Durable Object cannot be reached (security-bar.md §0 item 11;
 * OWASP ASVS 5.0 16.5.2/16.5.3). Every decision that must be atomic (lock, challenge, single use,
 * ceremony, throttle) is made inside a Durable Object, and its RPC methods return result values, so
 * a call that throws or rejects means the object did not answer (reset, overloaded, network). The
 * worker then decides nothing: the request ends with 503 `[ServiceUnavailable]` and Retry-After
 * (src/errors.ts), nothing is granted, and the attempt is not counted either way.
 *
 * Owns: mapping a failed RPC call to that answer and one log line (binding, method, error class and
 * workerd's `retryable`/`overloaded` flags). Must never: put the error's message on the wire (it is
 * internal), or swallow a failure (no fail-open default).
 */
import { ApiError } from "../errors.ts";

/** The Durable Object bindings the worker calls during requests. */
export type ObjectBinding = "USER_GUARD" | "SEND_LIMITER" | "PASSKEY_CHALLENGE" | "DEV_OUTBOX" | "OAUTH_SESSIONS";

/** Most outages workerd reports (object reset on deploy, overload, a dropped connection) clear within seconds. */
export const OBJECT_OUTAGE_RETRY_AFTER_SECONDS = 5;

function outage(binding: ObjectBinding, method: string, err: unknown): ApiError {
  const e = err as { name?: unknown; retryable?: unknown; overloaded?: unknown } | null;
  console.error(
    JSON.stringify({
      level: "error",
      msg: "durable object unavailable",
      binding,
      method,
      error: typeof e?.name === "string" ? e.name : "unknown",
      retryable: e?.retryable === true,
      overloaded: e?.overloaded === true,
    }),
  );
  return ApiError.unavailable(OBJECT_OUTAGE_RETRY_AFTER_SECONDS);
}

/** Wraps a stub so that a failed RPC call (thrown or rejected) becomes the 503 ApiError. */
export function failClosed<T extends object>(binding: ObjectBinding, stub: T): T {
  return new Proxy(stub, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== "function") return v;
      const method = String(prop);
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          // Reflect.apply: on an RPC stub, `v.apply` would itself be a remote property.
          result = Reflect.apply(v, target, args);
        } catch (err) {
          throw outage(binding, method, err);
        }
        return Promise.resolve(result).catch((err: unknown) => {
          throw outage(binding, method, err);
        });
      };
    },
  });
}
