/**
 * Request parsing at the edge: JSON bodies and query strings go through zod here and nowhere else.
 * Hostile input (invalid JSON, huge bodies, deep nesting, lone surrogates, NUL bytes) becomes a
 * FusionAuth-style 400 before any handler runs, so nothing is stored and nothing throws a 500.
 */
import type { Context } from "hono";
import type * as z from "zod";
import { ApiError, zodToFieldErrors } from "../errors.ts";

export const MAX_BODY_BYTES = 64 * 1024;
const MAX_DEPTH = 16;

/** FusionAuth's client sends `undefined`/`null` literally for absent optional query values. */
export function isAbsent(v: string | undefined | null): boolean {
  return v === undefined || v === null || v === "" || v === "undefined" || v === "null";
}

function checkValue(v: unknown, depth: number): string | null {
  if (depth > MAX_DEPTH) return "Your JSON is nested too deeply.";
  if (typeof v === "string") {
    if (!v.isWellFormed()) return "Your JSON contains an invalid unicode string.";
    if (v.includes("\u0000")) return "Your JSON contains a NUL character.";
    return null;
  }
  if (Array.isArray(v)) {
    for (const x of v) {
      const p = checkValue(x, depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (v && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      const p = checkValue(k, depth + 1) ?? checkValue(x, depth + 1);
      if (p) return p;
    }
  }
  return null;
}

function invalidJson(message = "Your JSON was invalid."): ApiError {
  return ApiError.general("[invalid]", message);
}

/** Reads the raw body (any content type; `text/plain` empty POSTs are fine) and parses it as JSON; empty → undefined. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES)
    throw ApiError.general("[tooLarge]", `The request body must be at most ${MAX_BODY_BYTES} bytes.`);
  const text = await c.req.text();
  if (text.length > MAX_BODY_BYTES)
    throw ApiError.general("[tooLarge]", `The request body must be at most ${MAX_BODY_BYTES} bytes.`);
  if (text.trim() === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidJson();
  }
  const problem = checkValue(parsed, 0);
  if (problem) throw invalidJson(problem);
  return parsed;
}

/** Parses the JSON body with `schema`; an absent body is validated as `{}`. */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  return validateObject((await readJsonBody(c)) ?? {}, schema);
}

/** Validates an already-read JSON value, which must be an object. */
export function validateObject<S extends z.ZodType>(raw: unknown, schema: S): z.infer<S> {
  if (typeof raw !== "object" || Array.isArray(raw) || raw === null)
    throw invalidJson("The request body must be a JSON object.");
  const result = schema.safeParse(raw);
  if (!result.success) throw ApiError.validation(zodToFieldErrors(result.error, "", raw));
  return result.data;
}

/** Parses the query string with `schema`, dropping the `undefined`/`null`/empty literals first. */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URL(c.req.url).searchParams) {
    if (isAbsent(v)) continue;
    const problem = checkValue(v, 0);
    if (problem) throw ApiError.field(k, "invalid", `The value of [${k}] is invalid.`);
    out[k] = v;
  }
  const result = schema.safeParse(out);
  if (!result.success) throw ApiError.validation(zodToFieldErrors(result.error, "", out));
  return result.data;
}
