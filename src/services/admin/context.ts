/**
 * Who makes an administrative change and from where: the same services serve the API (an API key)
 * and the admin console (a signed-in admin), and each writes its audit row with this context.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { rowsChanged } from "../../storage/d1/results.ts";
import { auditInsert, type Actor, type AuditEntry } from "../audit.ts";
import type { Services } from "../container.ts";

export type ChangeContext = { actor: Actor; ipAddress: string | null; source: "api" | "console" };

type Write = BatchItem<"sqlite">;
type Entry = Omit<AuditEntry, keyof ChangeContext>;

/**
 * One administrative change: its writes and its audit row go to D1 in one batch, which is atomic,
 * so a change without its audit row, or an audit row without its change, cannot exist. Returns the
 * rows the first write changed (0: an UPDATE or DELETE that found nothing).
 */
export async function auditedChange(
  s: Services,
  ctx: ChangeContext,
  writes: readonly [Write, ...Write[]],
  entry: Entry,
): Promise<number> {
  const [first] = await s.db.batch([...writes, auditInsert(s, { ...ctx, ...entry })] as [Write, ...Write[]]);
  return rowsChanged(first);
}

/**
 * The audited changes of one kind of object, in the same words everywhere: `{kind}.create`,
 * `.update`, `.delete`, "Created {noun} [{label}]", with the object before and after.
 */
export function auditSubject<T>(
  kind: string,
  noun: string,
  describe: (row: T) => { tenantId: string | null; id: string; label: string; value: unknown },
) {
  const entry = (row: T, verb: "create" | "update" | "delete", done: string, values: Partial<Entry>): Entry => {
    const d = describe(row);
    return {
      tenantId: d.tenantId,
      action: `${kind}.${verb}`,
      targetId: d.id,
      message: `${done} ${noun} [${d.label}]`,
      ...values,
    };
  };
  return {
    created: (row: T) => entry(row, "create", "Created", { newValue: describe(row).value }),
    updated: (cur: T, row: T) =>
      entry(row, "update", "Updated", { oldValue: describe(cur).value, newValue: describe(row).value }),
    deleted: (cur: T) => entry(cur, "delete", "Deleted", { oldValue: describe(cur).value }),
    /**
     * A secret replaced, e.g. `{ field: "clientSecret", action: "client-secret", name: "client secret" }`.
     * Only the new one is recorded (redacted): the old and the new one would both read "[redacted]",
     * and the console shows an entry's changed fields, so the rotation would show no change at all.
     */
    rotated(row: T, secret: { field: string; action: string; name: string }): Entry {
      const d = describe(row);
      const message = `Rotated the ${secret.name} of ${noun} [${d.label}]`;
      return {
        tenantId: d.tenantId,
        action: `${kind}.${secret.action}.rotate`,
        targetId: d.id,
        message,
        newValue: { [secret.field]: "new" },
      };
    },
    /** Deletes `cur` (loaded by the caller, who checked the actor may see it); false when there was none. */
    async remove(s: Services, ctx: ChangeContext, cur: T | null | undefined, write: Write): Promise<boolean> {
      if (!cur) return false;
      return (await auditedChange(s, ctx, [write], this.deleted(cur))) > 0;
    },
  };
}
