/**
 * What the HTTP mail and SMS adapters build alike: the endpoint from an optional base URL, the
 * Bearer + JSON headers, and the usual success test (a 2xx whose body names the message id).
 * Each adapter keeps only its body shape and its error mapping.
 */
import { field, is2xx, trimBase, type HttpAnswer, type SendOutcome } from "./http.ts";

/** `baseUrl` (operator override, e.g. a regional API) or the provider's default, joined with `path`. */
export function providerUrl(baseUrl: string | undefined, defaultBase: string, path: string): string {
  return `${trimBase(baseUrl ?? defaultBase)}${path}`;
}

export function bearerJson(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
}

/**
 * An `accept` for `postWithRetries`: a success when `ok(a)` (default: any 2xx), with the id taken
 * from the body's `idField` or `fallback` when the provider sent none.
 */
export function acceptIdField(
  idField: string,
  fallback: string,
  ok: (a: HttpAnswer) => boolean = is2xx,
): (a: HttpAnswer) => SendOutcome | null {
  return (a) => {
    if (!ok(a)) return null;
    const id = field(a.body, idField);
    return { ok: true, id: typeof id === "string" ? id : fallback };
  };
}
