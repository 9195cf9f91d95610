/**
 * Benchmark instrumentation: counts D1 statements and Durable Object RPC calls per isolate.
 * Off unless BENCH_INSTRUMENTATION=1; the bench reads them through `GET /__bench/counters`.
 * `d1Queries` are the statements (or batches) a response may wait on; `d1Deferred` those issued by
 * work handed to `defer` (waitUntil), which the response does not wait on.
 */
export const counters = { d1Queries: 0, d1Deferred: 0, doCalls: 0 };

/** UserGuard alarm runs (ms since the epoch) in this isolate, for `scripts/bench/trace.mjs`; bounded. */
export const alarmRuns: Array<{ start: number; end: number }> = [];

export function noteAlarmRun(start: number, end: number): void {
  if (alarmRuns.length < 10_000) alarmRuns.push({ start, end });
}

export function resetCounters(): void {
  counters.d1Queries = 0;
  counters.d1Deferred = 0;
  counters.doCalls = 0;
}

let deferring = false;

/**
 * Starts deferred work now, so that the D1 statements it issues synchronously when started (drizzle
 * queries are lazy and run on `then`) count as deferred.
 */
export function startDeferred<T>(p: Promise<T>): Promise<T> {
  deferring = true;
  try {
    return p.then((v) => v);
  } finally {
    deferring = false;
  }
}

function countD1(): void {
  if (deferring) counters.d1Deferred += 1;
  else counters.d1Queries += 1;
}

/** Wraps a Durable Object stub so every RPC method call on it is counted. */
export function countingStub<T extends object>(stub: T): T {
  return new Proxy(stub, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        counters.doCalls += 1;
        // Reflect.apply: on an RPC stub, `v.apply` would itself be a remote property.
        return Reflect.apply(v, target, args);
      };
    },
  });
}

/** Wraps a D1 binding so every prepared statement that runs (alone or in a batch) is counted. */
export function countingD1(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) => {
          countD1();
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
          countD1();
          return (v as (...a: unknown[]) => unknown).apply(s, args);
        };
      }
      if (p === "bind")
        return (...args: unknown[]) =>
          countingStatement((v as (...a: unknown[]) => D1PreparedStatement).apply(s, args));
      return v.bind(s);
    },
  });
  originals.set(proxy, stmt);
  return proxy;
}
