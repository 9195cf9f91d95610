/**
 * Benchmark instrumentation: counts D1 statements and Durable Object stub acquisitions per isolate.
 * Off unless BENCH_INSTRUMENTATION=1; the bench reads the counters through `GET /dev/counters`.
 */
export const counters = { d1Queries: 0, doCalls: 0 };

export function resetCounters(): void {
  counters.d1Queries = 0;
  counters.doCalls = 0;
}

/** Wraps a D1 binding so every prepared statement that runs (alone or in a batch) is counted. */
export function countingD1(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) => {
          counters.d1Queries += 1;
          return target.batch(stmts.map((st) => originals.get(st) ?? st));
        };
      }
      if (prop === "prepare") return (sql: string) => countingStatement(target.prepare(sql));
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

const originals = new WeakMap<D1PreparedStatement, D1PreparedStatement>();

function countingStatement(stmt: D1PreparedStatement): D1PreparedStatement {
  const proxy = new Proxy(stmt, {
    get(s, p) {
      const v = Reflect.get(s, p, s);
      if (typeof v !== "function") return v;
      if (p === "all" || p === "run" || p === "first" || p === "raw") {
        return (...args: unknown[]) => {
          counters.d1Queries += 1;
          return (v as (...a: unknown[]) => unknown).apply(s, args);
        };
      }
      if (p === "bind") return (...args: unknown[]) => countingStatement((v as (...a: unknown[]) => D1PreparedStatement).apply(s, args));
      return v.bind(s);
    },
  });
  originals.set(proxy, stmt);
  return proxy;
}
