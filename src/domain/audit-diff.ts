/**
 * A compact before/after of an audit row: the leaf paths whose values differ between the stored
 * old and new values (already redacted when stored), each as JSON text; arrays count as leaves.
 */
export type AuditChange = { path: string; before: string | null; after: string | null };

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  if (value !== undefined) out.set(prefix || "(value)", JSON.stringify(value));
}

export function auditChanges(oldValue: unknown, newValue: unknown): AuditChange[] {
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  flatten(oldValue ?? undefined, "", before);
  flatten(newValue ?? undefined, "", after);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths
    .filter((p) => before.get(p) !== after.get(p))
    .map((path) => ({ path, before: before.get(path) ?? null, after: after.get(path) ?? null }));
}
