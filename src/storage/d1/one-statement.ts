/**
 * Several reads in one SQL statement (issue 15). On D1 every statement is a round trip to SQLite
 * with a large fixed cost, so a request that needs rows of several tables reads them as scalar
 * subqueries of one `SELECT`: a row comes back as a SQLite JSON object (`json_object` over every
 * column, keyed by drizzle's field names), a list as a JSON array of such objects, and each value is
 * decoded with the column's own `mapFromDriverValue`, so the rows equal what drizzle's own select
 * returns (JSON text columns parsed, booleans from 0/1, null kept).
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { SQLiteAsyncDialect, type SQLiteColumn, type SQLiteTable } from "drizzle-orm/sqlite-core";

/** A value as SQLite hands it back: JSON and text as strings, integers as numbers. */
export type DriverValue = string | number | null;

/** One read: its columns in the combined statement (each a scalar subquery) and how they become its result. */
export type Read<T> = { columns: Record<string, SQL>; decode: (values: Record<string, DriverValue>) => T };

type Results<R> = { [K in keyof R]: R[K] extends Read<infer T> ? T : never };

/** What runs the statement: drizzle's `get` (the first row of a raw query). */
export type StatementRunner = { get<T>(query: SQL): Promise<T> };

const NAME = /^[A-Za-z]\w*$/;
/** D1's dialect (drizzle-orm/d1 renders with SQLiteAsyncDialect). */
const DIALECT = new SQLiteAsyncDialect();

/** Runs `reads` as one `SELECT` of their subqueries; the results under the same names. */
export async function readTogether<R extends Record<string, Read<unknown>>>(
  db: StatementRunner,
  reads: R,
): Promise<Results<R>> {
  const all = combine(reads, (r) => r);
  const columns = Object.entries(all.columns).map(([name, query]) => sql`(${query}) AS ${sql.raw(name)}`);
  const row = await db.get<Record<string, DriverValue> | undefined>(sql`SELECT ${sql.join(columns, sql`, `)}`);
  return all.decode(row ?? {});
}

/** One read made of several: their columns side by side (prefixed with their names), `f` over their results. */
export function combine<R extends Record<string, Read<unknown>>, T>(reads: R, f: (results: Results<R>) => T): Read<T> {
  const columns: Record<string, SQL> = {};
  for (const [name, read] of Object.entries(reads)) {
    for (const [column, query] of Object.entries(read.columns)) {
      if (!NAME.test(name) || !NAME.test(column)) throw new Error(`unexpected column name ${name}.${column}`);
      columns[`${name}_${column}`] = query;
    }
  }
  return {
    columns,
    decode: (values) =>
      f(
        Object.fromEntries(
          Object.entries(reads).map(([name, read]) => [
            name,
            read.decode(Object.fromEntries(Object.keys(read.columns).map((c) => [c, values[`${name}_${c}`] ?? null]))),
          ]),
        ) as Results<R>,
      ),
  };
}

/** A read that reads nothing (a part a request does not need). */
export const nothing: Read<null> = { columns: {}, decode: () => null };

/** A read of one column. */
export function scalar<T>(query: SQL, decode: (v: DriverValue) => T): Read<T> {
  return { columns: { v: query }, decode: (values) => decode(values.v ?? null) };
}

/** The first row of `table` where `where` holds, in `orderBy`, or null. */
export function firstRow<T extends SQLiteTable>(
  table: T,
  where: SQL | undefined,
  orderBy: SQL[] = [],
): Read<T["$inferSelect"] | null> {
  const r = rowAsJson(table);
  return scalar(sql`SELECT ${r.object} FROM ${table} WHERE ${where ?? sql`1`}${order(orderBy)} LIMIT 1`, (v) =>
    typeof v === "string" ? r.decode(JSON.parse(v)) : null,
  );
}

/** Every row of `table` where `where` holds, in `orderBy`. */
export function allRows<T extends SQLiteTable>(
  table: T,
  where: SQL | undefined,
  orderBy: SQL[] = [],
): Read<Array<T["$inferSelect"]>> {
  const r = rowAsJson(table);
  return scalar(
    sql`SELECT json_group_array(json(j)) FROM (SELECT ${r.object} AS j FROM ${table} WHERE ${where ?? sql`1`}${order(orderBy)})`,
    (v) => (typeof v === "string" ? (JSON.parse(v) as JsonRow[]).map(r.decode) : []),
  );
}

function order(orderBy: SQL[]): SQL {
  return orderBy.length ? sql` ORDER BY ${sql.join(orderBy, sql`, `)}` : sql``;
}

type JsonRow = Record<string, unknown>;

type RowAsJson<T extends SQLiteTable> = { object: SQL; decode: (o: JsonRow) => T["$inferSelect"] };
const ROW_AS_JSON = new WeakMap<SQLiteTable, RowAsJson<SQLiteTable>>();

/** A table's row as one SQLite JSON object and its decoder (each value through its column's mapper); built once per table. */
function rowAsJson<T extends SQLiteTable>(table: T): RowAsJson<T> {
  let r = ROW_AS_JSON.get(table);
  if (!r) {
    r = buildRowAsJson(table);
    ROW_AS_JSON.set(table, r);
  }
  return r as RowAsJson<T>;
}

function buildRowAsJson<T extends SQLiteTable>(table: T): RowAsJson<T> {
  const columns = Object.entries(getTableColumns(table)) as Array<[string, SQLiteColumn]>;
  const pairs = columns.map(([field, column]) => {
    if (!/^\w+$/.test(field)) throw new Error(`unexpected field name ${field}`);
    return sql`${sql.raw(`'${field}'`)}, ${column}`;
  });
  // Rendered once: the object names only columns (no parameters), so its SQL text never changes, and
  // rendering ~20 column references through drizzle on every request costs more than the rest.
  const object = DIALECT.sqlToQuery(sql`json_object(${sql.join(pairs, sql`, `)})`);
  if (object.params.length) throw new Error("a row object has no parameters");
  return {
    object: sql.raw(object.sql),
    decode: (o: JsonRow): T["$inferSelect"] =>
      Object.fromEntries(
        columns.map(([field, column]) => {
          const v = o[field];
          return [field, v === null || v === undefined ? null : column.mapFromDriverValue(v)];
        }),
      ) as T["$inferSelect"],
  };
}
