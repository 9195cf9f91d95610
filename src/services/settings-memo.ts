/**
 * Per-isolate memo of completed settings (issue 15): completing a tenant's or an application's
 * stored settings runs a zod parse per request, the largest CPU item of `POST /api/two-factor/start`
 * after storage. The result is remembered per row id together with the stored settings it was
 * completed from (their JSON text), and reused only while a request's row carries the very same
 * text: a change written to D1 is completed afresh on the next request that reads it, with no TTL.
 * The memo holds no secrets (settings only) and is bounded.
 */
type Entry<T> = { source: string; value: T };

export type SettingsMemo<T> = (id: string, stored: unknown) => T;

/** `complete(stored)` memoised per id by the JSON text of `stored`; results are frozen so no caller can change another's copy. */
export function settingsMemo<T>(complete: (stored: unknown) => T, max = 256): SettingsMemo<T> {
  const entries = new Map<string, Entry<T>>();
  return (id, stored) => {
    const source = JSON.stringify(stored ?? null);
    const hit = entries.get(id);
    if (hit && hit.source === source) return hit.value;
    const value = deepFreeze(complete(stored));
    if (!hit && entries.size >= max) entries.delete(entries.keys().next().value as string);
    entries.set(id, { source, value });
    return value;
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
