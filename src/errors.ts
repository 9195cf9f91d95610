/**
 * The one error module: every wire error goes through `ApiError` and `handleError`.
 *
 * FusionAuth's envelope is `{ generalErrors: [{code, message}], fieldErrors: { "a.b": [{code, message}] } }`.
 * Statuses FusionAuth answers with an EMPTY body (401, 404, 421, 423) stay empty and carry no
 * Content-Type, because @fusionauth/typescript-client rejects a JSON content type with an empty body.
 * Unknown errors become a 500 with a fixed message and the request id; `err.message` never reaches a client.
 *
 * Returned or thrown — the rule for services:
 * - RETURN a typed outcome (a `{ kind }` union, src/services/outcomes.ts) for what the request asks
 *   to decide and a caller branches on: complete / not registered / a second factor due, refused
 *   credentials, no such user or challenge, a wrong code, a lock. The API maps outcomes to statuses
 *   in src/routes/outcomes.ts; pages map them to their own answers. A service never names a status.
 * - THROW an `ApiError` for what stops the request before or beside that decision: invalid input
 *   (src/http/validate.ts, and a service's own field checks such as "userId or loginId"), the caller's
 *   credentials (401), throttling (429), and infrastructure faults (a Durable Object unreachable: 503;
 *   a provider failing: 502/503). Programming errors throw plain `Error`s (500).
 * Converted so far: the login, two-factor start/completion/status and passkey login/assert services.
 * The other services (method enrolment, recovery codes, step-up, sends, admin CRUD) still throw
 * `not_found`/`invalid_code`/`locked` and move to outcomes as they are next touched.
 */
import type { Context } from "hono";
import type { ZodError } from "zod";
import type { OAuthFailure } from "./domain/oauth-errors.ts";

export type FieldError = { code: string; message: string; data?: Record<string, unknown> };
export type ErrorsBody = { generalErrors?: FieldError[]; fieldErrors?: Record<string, FieldError[]> };

export type ErrorKind =
  | "validation" // 400 Errors JSON
  | "unauthorized" // 401 empty
  | "not_found" // 404 empty
  | "invalid_code" // 421 empty
  | "locked" // 409 {actions}
  | "rate_limited" // 429 Errors JSON + Retry-After
  | "provider_rejected" // 400 Errors JSON (input at fault, e.g. bad phone number)
  | "provider_unavailable" // 503 Errors JSON + Retry-After
  | "provider_misconfigured" // 502 Errors JSON
  | "unavailable" // 503 Errors JSON + Retry-After (a store the decision needs is unreachable)
  | "misconfigured" // 500 fixed body
  | "internal"; // 500 fixed body

/** Every status an error answers with (all carry a body or may: hono's ContentfulStatusCode). */
export type ErrorStatus = 400 | 401 | 404 | 409 | 421 | 429 | 500 | 502 | 503;

export function statusOf(kind: ErrorKind): ErrorStatus {
  switch (kind) {
    case "validation":
    case "provider_rejected":
      return 400;
    case "unauthorized":
      return 401;
    case "not_found":
      return 404;
    case "locked":
      return 409;
    case "invalid_code":
      return 421;
    case "rate_limited":
      return 429;
    case "provider_misconfigured":
      return 502;
    case "provider_unavailable":
    case "unavailable":
      return 503;
    case "misconfigured":
    case "internal":
      return 500;
  }
}

export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly body?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(kind);
  }

  static validation(fieldErrors: Record<string, FieldError[]>, generalErrors?: FieldError[]): ApiError {
    const body: ErrorsBody = { fieldErrors };
    if (generalErrors?.length) body.generalErrors = generalErrors;
    return new ApiError("validation", body);
  }

  static field(
    path: string,
    type: "blank" | "invalid" | "duplicate" | "mismatch" | "tooLong" | "notAllowed",
    message: string,
  ): ApiError {
    return ApiError.validation({ [path]: [{ code: `[${type}]${path}`, message }] });
  }

  static general(code: string, message: string): ApiError {
    return new ApiError("validation", { generalErrors: [{ code, message }] } satisfies ErrorsBody);
  }

  static notFound(): ApiError {
    return new ApiError("not_found");
  }

  static invalidCode(): ApiError {
    return new ApiError("invalid_code");
  }

  static unauthorized(): ApiError {
    return new ApiError("unauthorized");
  }

  static locked(actions: unknown[]): ApiError {
    return new ApiError("locked", { actions });
  }

  /** 429 `[TooManyRequests]` with Retry-After (whole seconds, at least 1); `scope` names the throttle, never its key. */
  static tooManyRequests(message: string, scope: string, retryAfterSeconds: number): ApiError {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    return new ApiError(
      "rate_limited",
      {
        generalErrors: [{ code: "[TooManyRequests]", message, data: { scope, retryAfterSeconds: seconds } }],
      } satisfies ErrorsBody,
      { "retry-after": String(seconds) },
    );
  }

  /**
   * 503 `[ServiceUnavailable]` with Retry-After: a store an authentication decision depends on (a
   * Durable Object) could not be reached, so nothing was decided and nothing granted (fail closed,
   * OWASP ASVS 5.0 16.5.3). Generic on purpose: the cause goes to the log only.
   */
  static unavailable(retryAfterSeconds: number): ApiError {
    return new ApiError(
      "unavailable",
      {
        generalErrors: [
          { code: "[ServiceUnavailable]", message: "The service is temporarily unavailable. Try again later." },
        ],
      } satisfies ErrorsBody,
      { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    );
  }
}

/**
 * An OAuth 2.0 endpoint's error (RFC 6749 §5.2 in FusionAuth's shape: `{error, error_description,
 * error_reason}`, 400, or 401 for `invalid_client` with `WWW-Authenticate: Basic` when the client used
 * Basic), always `Cache-Control: no-store` (RFC 6749 §5.1).
 */
export class OAuthError extends Error {
  constructor(
    readonly failure: OAuthFailure,
    readonly basic = false,
  ) {
    super(failure.error);
  }
}

export function oauthErrorResponse(err: OAuthError): Response {
  const { status, ...body } = err.failure;
  const headers = new Headers({ "content-type": "application/json; charset=UTF-8", "cache-control": "no-store" });
  if (status === 401 && err.basic) headers.set("www-authenticate", 'Basic realm="edge-mfa"');
  return new Response(JSON.stringify(body), { status, headers });
}

/** Builds the wire response for an ApiError. Empty-body statuses have no Content-Type. */
export function errorResponse(err: ApiError): Response {
  const status = statusOf(err.kind);
  const headers = new Headers(err.headers);
  if (err.body === undefined || status === 401 || status === 404 || status === 421) {
    return new Response(null, { status, headers });
  }
  headers.set("content-type", "application/json; charset=UTF-8");
  return new Response(JSON.stringify(err.body), { status, headers });
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = raw;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * Maps zod issues to FusionAuth field errors: missing (absent, null or blank) → `[blank]path`,
 * too long → `[tooLong]path`, anything else → `[invalid]path`. `raw` is the input that was parsed.
 */
export function zodToFieldErrors(error: ZodError, prefix = "", raw?: unknown): Record<string, FieldError[]> {
  const out: Record<string, FieldError[]> = {};
  for (const issue of error.issues) {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".") || "body";
    let missing: boolean;
    if (raw === undefined) {
      missing = issue.code === "invalid_type" && /received (undefined|null)/.test(issue.message);
    } else {
      const value = valueAt(raw, issue.path);
      missing =
        value === undefined ||
        value === null ||
        (typeof value === "string" && value.trim() === "" && issue.code !== "invalid_type");
    }
    const tooBig = issue.code === "too_big" && (issue as { origin?: string }).origin === "string";
    const type = missing ? "blank" : tooBig ? "tooLong" : "invalid";
    const message = missing ? `You must specify [${path}].` : `The value of [${path}] is invalid.`;
    const list = out[path] ?? [];
    list.push({ code: `[${type}]${path}`, message });
    out[path] = list;
  }
  return out;
}

/** The status `handleError` answers for `err`: an ApiError's kind, an OAuthError's status, else 500. */
export function errorStatusOf(err: unknown): ErrorStatus {
  if (err instanceof ApiError) return statusOf(err.kind);
  if (err instanceof OAuthError) return err.failure.status;
  return 500;
}

/** `app.onError`: the only code that serialises errors. */
export function handleError(err: unknown, c: Context): Response {
  if (err instanceof ApiError) return errorResponse(err);
  if (err instanceof OAuthError) return oauthErrorResponse(err);
  const requestId = logUnexpected(err, c);
  return new Response(
    JSON.stringify({
      generalErrors: [{ code: "[InternalError]", message: "An unexpected error occurred.", data: { requestId } }],
    }),
    { status: 500, headers: { "content-type": "application/json; charset=UTF-8" } },
  );
}

/**
 * Logs an error no code expected (not an ApiError or OAuthError): its class, the path and the request
 * id, never the request body, codes or secrets. Answers the request id.
 */
export function logUnexpected(err: unknown, c: Context): string {
  const requestId = (c.get("requestId" as never) as string | undefined) ?? "unknown";
  if (err instanceof ApiError || err instanceof OAuthError) return requestId;
  // Log the class of failure and the request id; never the request body, codes or secrets.
  console.error(
    JSON.stringify({
      level: "error",
      requestId,
      error: err instanceof Error ? err.name : "unknown",
      path: new URL(c.req.url).pathname,
    }),
  );
  return requestId;
}
