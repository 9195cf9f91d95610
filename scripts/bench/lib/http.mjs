/** Small HTTP helpers for seeding and preparing challenges (not for measured requests). */

/** Sends a request; a JSON body is serialised. Answers status, parsed JSON (or null) and Set-Cookie pairs. */
export async function call(baseUrl, method, path, { headers = {}, json, cookie } = {}) {
  const h = { ...headers };
  if (json !== undefined) h["content-type"] = "application/json";
  if (cookie) h.cookie = cookie;
  const res = await fetch(baseUrl + path, {
    method,
    headers: h,
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const cookies = {};
  for (const sc of res.headers.getSetCookie()) {
    const [pair] = sc.split(";");
    const eq = pair.indexOf("=");
    cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return { status: res.status, body, text, cookies };
}

/** Like `call`, but throws unless the status is the expected one. */
export async function expectCall(expected, baseUrl, method, path, opts) {
  const r = await call(baseUrl, method, path, opts);
  if (r.status !== expected)
    throw new Error(`${method} ${path} answered ${r.status}, expected ${expected}: ${r.text.slice(0, 300)}`);
  return r;
}

/** Runs `fn(i)` for i in [0, n) with at most `concurrency` in flight; resolves to the results in order. */
export async function pool(n, concurrency, fn) {
  const out = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return out;
}

/**
 * A queue of prepared requests for `runLoad`. An item is a request or a function making one at send
 * time. Past the end it starts over and counts `overflow` (a reused single-use challenge then fails,
 * and the run reports it).
 */
export function queue(items) {
  let i = 0;
  const next = () => {
    if (i >= items.length) next.overflow++;
    const item = items[i++ % items.length];
    return typeof item === "function" ? item() : item;
  };
  next.overflow = 0;
  return next;
}
