/**
 * FusionAuth's PATCH semantics for every resource: merge the body into the stored object, then
 * validate the result as a whole with the resource's full schema (so a PATCH can never store what a
 * PUT would refuse).
 */
import type { Context } from "hono";
import * as z from "zod";
import { ApiError, zodToFieldErrors } from "../errors.ts";
import { parseBody } from "./validate.ts";

/**
 * FusionAuth's legacy `application/json` PATCH merge: objects merge recursively, `null` deletes a
 * value, arrays are appended. Prototype-polluting keys are dropped.
 */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch)) return [...base, ...patch];
  if (!isObject(base) || !isObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (k === "__proto__" || k === "constructor" || k === "prototype") continue;
    if (v === null) delete out[k];
    else out[k] = k in out ? deepMerge(out[k], v) : v;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates merged PATCH input; issues are reported under `prefix.` like a POST body's. */
function validateMerged<S extends z.ZodType>(schema: S, merged: unknown, prefix: string): z.infer<S> {
  const r = schema.safeParse(merged);
  if (!r.success) throw ApiError.validation(zodToFieldErrors(r.error, prefix, merged));
  return r.data;
}

/**
 * The `<key>` object of a PUT or PATCH body (`{"tenant": {…}}`): a PUT's is validated with `fields`;
 * a PATCH's is merged into `current` (the stored object in request form) first, then validated the same way.
 */
export async function parseUpdate<S extends z.ZodType>(
  c: Context,
  mode: "put" | "patch",
  key: string,
  fields: S,
  current: Record<string, unknown>,
): Promise<z.infer<S>> {
  if (mode === "put") return (await parseBody(c, z.object({ [key]: fields })))[key] as z.infer<S>;
  const patch = (await parseBody(c, z.object({ [key]: z.record(z.string(), z.unknown()) })))[key];
  return validateMerged(fields, deepMerge(current, patch), key);
}
