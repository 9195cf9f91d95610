/**
 * The settings schemas are written once, with their defaults (src/settings/tenant.ts,
 * application.ts), and completing stored settings is a parse with them. What a create or update
 * stores must not have those defaults applied, though: a stored default would be frozen in the row
 * (a later change of default would pass it by), and FusionAuth's PATCH appends arrays, so a stored
 * default `enabledGrants` would be appended to. `storedForm` derives the request schema from the
 * complete one: the same fields, checks and refinements, with every `.default`/`.prefault` turned
 * into `.optional()` and every defaulting transform (`nullDefault`, or a transform on an object
 * that derives one field from another) dropped. Transforms in the settings schemas apply defaults
 * only; `storedForm` relies on that.
 */
import * as z from "zod";

/** The type of `storedForm(T)`. */
export type StoredForm<T> = T extends z.ZodDefault<infer I> | z.ZodPrefault<infer I>
  ? z.ZodOptional<StoredForm<I> & z.ZodType>
  : T extends z.ZodPipe<infer I, z.ZodTransform<infer _Out, infer _In>>
    ? StoredForm<I>
    : T extends z.ZodObject<infer S, infer C>
      ? z.ZodObject<{ -readonly [K in keyof S]: StoredForm<S[K]> & z.ZodType }, C>
      : T extends z.ZodOptional<infer I>
        ? z.ZodOptional<StoredForm<I> & z.ZodType>
        : T extends z.ZodNullable<infer I>
          ? z.ZodNullable<StoredForm<I> & z.ZodType>
          : T extends z.ZodArray<infer I>
            ? z.ZodArray<StoredForm<I> & z.ZodType>
            : T;

/** `schema` without its defaults: what a request is validated with and what is stored. */
export function storedForm<T extends z.ZodType>(schema: T): StoredForm<T> {
  return strip(schema) as StoredForm<T>;
}

function strip(s: z.ZodType): z.ZodType {
  if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) return z.optional(strip(s.unwrap() as z.ZodType));
  if (s instanceof z.ZodPipe && s.out instanceof z.ZodTransform) return strip(s.in as z.ZodType);
  if (s instanceof z.ZodObject) {
    const shape: Record<string, z.ZodType> = {};
    for (const [k, v] of Object.entries(s.shape)) shape[k] = strip(v as z.ZodType);
    return s.clone({ ...s._zod.def, shape });
  }
  if (s instanceof z.ZodOptional) return s.clone({ ...s._zod.def, innerType: strip(s.unwrap() as z.ZodType) });
  if (s instanceof z.ZodNullable) return s.clone({ ...s._zod.def, innerType: strip(s.unwrap() as z.ZodType) });
  if (s instanceof z.ZodArray) return s.clone({ ...s._zod.def, element: strip(s.element as z.ZodType) });
  return s;
}

/**
 * A field whose absent or null value means `value` (FusionAuth's "null = the default"): the
 * request accepts null, the completed settings never hold it.
 */
export function nullDefault<T extends z.ZodType>(schema: T, value: z.output<T>) {
  return schema.nullish().transform((v): z.output<T> => v ?? value);
}
