/** A scripted fetch for adapter tests: records each request, answers from a list (the last answer repeats). */
import type { FetchFn } from "../../src/adapters/http.ts";

export type Seen = { url: string; init: RequestInit; headers: Headers; body: string };
export type Answer = Response | "timeout" | "network" | ((init: RequestInit) => Promise<Response>);

export function scripted(...answers: Answer[]): { fetch: FetchFn; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchFn = async (url, init) => {
    seen.push({ url, init, headers: new Headers(init.headers), body: typeof init.body === "string" ? init.body : "" });
    const a = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    if (a === "timeout") throw new DOMException("The operation timed out.", "TimeoutError");
    if (a === "network") throw new TypeError("Network connection lost.");
    if (typeof a === "function") return a(init);
    return a.clone();
  };
  return { fetch, seen };
}

/** A fetch that never answers and rejects when the adapter's timeout aborts it. */
export function hangs(init: RequestInit): Promise<Response> {
  return new Promise((_, reject) => init.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers });

export const noSleep = { sleep: async () => {} };
