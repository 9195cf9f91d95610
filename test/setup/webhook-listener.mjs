/**
 * globalSetup of the `workers` vitest project (runs in Node): a local webhook receiver on a free
 * loopback port. Its base URL reaches the worker as the WEBHOOK_LISTENER_URL binding (vitest.config.ts),
 * so the WebhookDispatcher delivers to it over real HTTP.
 *
 * It records every request (method, path, query, headers, raw body) and answers by path prefix:
 *   /fail-first/…  500 to the first delivery of each X-EdgeMFA-Event-Id (per path), then 200
 *   /always-500/…  always 500
 *   /hang/…        never answers (the sender's deadline must cut it off)
 *   /redirect/…    302 to /ok/redirected (a sender must not follow it)
 *   anything else  200 "ok"
 * `GET /__received?path=<exact path>` returns the recorded requests for that path, oldest first.
 * Tests use a unique path each, so no reset is needed.
 *
 * Plain JavaScript on purpose, like prism.mjs: the repository's tsconfig has no Node types.
 */
import { createServer } from "node:http";

export default async function setup(project) {
  /** @type {{method: string, path: string, query: string, headers: Record<string, string>, body: string, time: number}[]} */
  const received = [];
  const failedOnce = new Set();
  const hanging = new Set();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://listener");
    if (req.method === "GET" && url.pathname === "/__received") {
      const path = url.searchParams.get("path");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(received.filter((r) => r.path === path)));
      return;
    }
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
      );
      received.push({
        method: req.method ?? "",
        path: url.pathname,
        query: url.search,
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
        time: Date.now(),
      });
      const first = url.pathname.split("/")[1];
      if (first === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      let status = 200;
      if (first === "always-500") status = 500;
      if (first === "fail-first") {
        const key = `${url.pathname} ${headers["x-edgemfa-event-id"] ?? ""}`;
        if (!failedOnce.has(key)) {
          failedOnce.add(key);
          status = 500;
        }
      }
      if (first === "redirect") {
        res.writeHead(302, { location: "/ok/redirected" });
        res.end();
        return;
      }
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status === 200 ? "ok" : "listener failing on purpose");
    });
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  project.provide("webhookListener", `http://127.0.0.1:${port}`);
  return () =>
    new Promise((resolve) => {
      for (const res of hanging) res.destroy();
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
}
