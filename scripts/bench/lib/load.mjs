/**
 * One measured run with autocannon: `amount` requests over `connections` keep-alive connections,
 * each request taken from `next()` (a fresh body from a pre-built queue). Latencies are collected
 * from autocannon's per-response event (floating-point ms; its own histogram keeps whole ms only).
 */
import autocannon from "autocannon";

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/**
 * @param {{ url: string, connections: number, amount: number, next: () => { method: string, path: string, headers?: Record<string,string>, body?: string } }} o
 * @returns {Promise<{ requests: number, ok: number, errors: number, statuses: Record<string, number>, seconds: number, rps: number, p50: number, p99: number }>}
 */
export function runLoad(o) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const statuses = {};
    // Throughput is timed from the first request to the last response (autocannon's own clock has
    // one-second ticks around the run).
    let first = 0n;
    let last = 0n;
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        amount: o.amount,
        timeout: 30,
        requests: [
          {
            setupRequest: (req) => {
              if (first === 0n) first = process.hrtime.bigint();
              return { ...req, ...o.next() };
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        const seconds = Number(last - first) / 1e9;
        latencies.sort((a, b) => a - b);
        const ok = Object.entries(statuses).reduce((n, [s, c]) => (s.startsWith("2") ? n + c : n), 0);
        resolve({
          requests: latencies.length,
          ok,
          errors: result.errors + result.timeouts,
          statuses,
          seconds,
          rps: ok / seconds,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      last = process.hrtime.bigint();
      latencies.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
}
