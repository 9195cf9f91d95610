/**
 * Reading D1's answers in one place: which constraint a failed write violated, and how many rows a
 * write changed. Drizzle wraps D1's error as `cause`; D1 reports SQLite's message
 * ("UNIQUE constraint failed: users.email", "FOREIGN KEY constraint failed").
 */

/** The violated constraint and SQLite's message (callers match column names in it), or null. */
export type Violation = { kind: "unique" | "foreign-key"; message: string };

export function constraintViolation(err: unknown): Violation | null {
  const e = err as { cause?: { message?: unknown }; message?: unknown } | null | undefined;
  const message = String(e?.cause?.message ?? e?.message ?? err ?? "");
  if (/UNIQUE constraint failed|PRIMARY KEY/i.test(message)) return { kind: "unique", message };
  if (/FOREIGN KEY constraint failed/i.test(message)) return { kind: "foreign-key", message };
  return null;
}

/** Rows changed by an UPDATE or DELETE run through drizzle on D1 (`meta.changes`). */
export function rowsChanged(result: unknown): number {
  return (result as { meta?: { changes?: number } } | null)?.meta?.changes ?? 0;
}
