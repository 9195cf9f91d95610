/** The admin console's audit log page, with each entry's changes. */
import { auditChanges } from "../../domain/audit-diff.ts";
import type { AuditRow } from "../../storage/d1/schema.ts";
import { when } from "./components.tsx";

export function AuditPage(p: { rows: AuditRow[]; total: number }) {
  return (
    <>
      <p>{p.total} entries.</p>
      <ul>
        {p.rows.map((r) => (
          <li>
            {when(r.insertInstant)} <strong>{r.message}</strong> by {String(r.data.actorEmail ?? r.insertUser)} (
            {String(r.data.source)}
            {r.data.ipAddress ? `, ${String(r.data.ipAddress)}` : ""})
            <AuditChanges oldValue={r.oldValue} newValue={r.newValue} />
          </li>
        ))}
      </ul>
    </>
  );
}

/** The changed fields of one audit entry, folded (works without JavaScript). */
function AuditChanges(p: { oldValue: unknown; newValue: unknown }) {
  const changes = auditChanges(p.oldValue, p.newValue);
  if (changes.length === 0) return null;
  return (
    <details>
      <summary>
        {changes.length} changed field{changes.length === 1 ? "" : "s"}
      </summary>
      <ul>
        {changes.map((ch) => (
          <li>
            {/* code breaks anywhere (layout CSS): long JSON stays inside 320 px */}
            <code>{ch.path}</code>{" "}
            <del>
              <code>{ch.before ?? "(none)"}</code>
            </del>{" "}
            →{" "}
            <ins>
              <code>{ch.after ?? "(none)"}</code>
            </ins>
          </li>
        ))}
      </ul>
    </details>
  );
}
