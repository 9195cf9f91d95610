/**
 * FusionAuth's PATCH semantics for every resource: merge the body into the stored object, then
 * validate the result as a whole with the resource's full schema (so a PATCH can never store what a
 * PUT would refuse).
 */
import type { z } from "zod";
import { ApiError, zodToFieldErrors } from "../errors.ts";

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
export function validateMerged<S extends z.ZodType>(schema: S, merged: unknown, prefix: string): z.infer<S> {
  const r = schema.safeParse(merged);
  if (!r.success) throw ApiError.validation(zodToFieldErrors(r.error, prefix, merged));
  return r.data;
}
