/**
 * `npm run bench` on a tiny load (`--smoke`: a few requests per path, one repetition): it starts,
 * seeds both systems, measures every path and reports numbers. No timing is asserted, only that
 * each path answered as expected and produced numbers, and that the instrumentation counters show
 * the completion path's shape: one Durable Object call and no D1 query before the answer (the TOTP
 * path's `lastUsed` update is the one deferred D1 write, made only when the mark moves).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Node APIs by computed specifiers: the repo's tsconfig has no @types/node (as in fusionauth-client.e2e.test.ts).
type NodeApi = {
  spawn(
    cmd: string,
    args: string[],
    opts: { cwd: string; stdio: ["ignore", "pipe", "pipe"] },
  ): {
    stdout: { on(e: "data", cb: (d: unknown) => void): void };
    stderr: { on(e: "data", cb: (d: unknown) => void): void };
    on(e: "close", cb: (code: number | null) => void): void;
  };
  mkdtempSync(prefix: string): string;
  readFileSync(path: string, enc: "utf8"): string;
  rmSync(path: string, opts: { recursive: true; force: true }): void;
  tmpdir(): string;
};

async function loadNode(): Promise<NodeApi> {
  const load = (name: string) => import(/* @vite-ignore */ `node:${name}`) as Promise<Record<string, unknown>>;
  const [cp, fs, os] = await Promise.all([load("child_process"), load("fs"), load("os")]);
  return { ...cp, ...fs, ...os } as unknown as NodeApi;
}

type Run = {
  rps: number;
  p50: number;
  p99: number;
  cpuMs: number;
  d1: number | null;
  d1Deferred: number | null;
  doCalls: number | null;
};
type Report = {
  results: Record<"edge-mfa" | "better-auth", Record<string, Run[]>>;
  targets: Array<{ target: string; met: boolean }>;
};

const root = decodeURIComponent(new URL("../..", (import.meta as ImportMeta & { url: string }).url).pathname).replace(
  /\/$/,
  "",
);

/** Runs scripts/bench/run.mjs with `args` on the pinned Node 22; answers its JSON report and its output. */
async function runBench(node: NodeApi, dir: string, name: string, args: string[]) {
  const jsonPath = `${dir}/${name}.json`;
  // The pinned Node 22 (the bench would re-run itself with it anyway).
  const child = node.spawn(`${root}/node_modules/.bin/node`, ["scripts/bench/run.mjs", ...args, "--json", jsonPath], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += String(d)));
  child.stderr.on("data", (d) => (output += String(d)));
  const code = await new Promise<number | null>((ok) => child.on("close", ok));
  if (code !== 0) throw new Error(`the bench exited with ${code}:\n${output}`);
  return { report: JSON.parse(node.readFileSync(jsonPath, "utf8")) as unknown, output };
}

describe("npm run bench --smoke", () => {
  let node: NodeApi;
  let dir: string;
  let report: Report;
  let output = "";

  beforeAll(async () => {
    node = await loadNode();
    dir = node.mkdtempSync(`${node.tmpdir()}/edge-mfa-bench-smoke-`);
    // Waits for (or does) the install of scripts/bench's dependencies: .ci/run starts it in the background.
    const run = await runBench(node, dir, "smoke", ["--smoke"]);
    report = run.report as Report;
    output = run.output;
  }, 420_000); // includes a one-time rebuild of better-sqlite3 for this Node when npm built it for another

  afterAll(() => {
    if (dir) node.rmSync(dir, { recursive: true, force: true });
  });

  it("measures every path of both systems and prints the tables", () => {
    expect(Object.keys(report.results["edge-mfa"]).sort()).toEqual([
      "get-user",
      "login",
      "noop",
      "start",
      "verify-code",
      "verify-totp",
    ]);
    expect(Object.keys(report.results["better-auth"]).sort()).toEqual([
      "ok",
      "send-otp",
      "sign-in",
      "verify-otp",
      "verify-totp",
    ]);
    for (const system of Object.values(report.results)) {
      for (const runs of Object.values(system)) {
        expect(runs).toHaveLength(1);
        const [r] = runs as [Run];
        for (const v of [r.rps, r.p50, r.p99]) expect(v).toBeGreaterThan(0);
        expect(r.cpuMs).toBeGreaterThanOrEqual(0);
      }
    }
    expect(output).toContain("| flow | edge-mfa path | Better Auth path |");
    expect(report.targets.length).toBeGreaterThan(0);
  });

  it("counts one DO call and no D1 query before the answer on the completion path", () => {
    const e = report.results["edge-mfa"];
    for (const id of ["verify-totp", "verify-code"]) {
      const [r] = e[id] as [Run];
      expect({ id, doCalls: r.doCalls, d1: r.d1 }).toEqual({ id, doCalls: 1, d1: 0 });
    }
    // lastUsed, after the answer; users who completed with the same method before (warm-up) need none.
    expect(e["verify-totp"]![0]!.d1Deferred).toBeGreaterThan(0);
    expect(e["verify-totp"]![0]!.d1Deferred).toBeLessThanOrEqual(1);
    expect(e["verify-code"]![0]!.d1Deferred).toBe(0);
    expect(e.noop![0]).toMatchObject({ d1: 0, d1Deferred: 0, doCalls: 0 });
  });
});

type SendsRun = { runtime: string; case: string; users: number; statuses: Record<string, number>; rps: number };

/**
 * The issue-15 runtime and sends scenario on a tiny load: edge-mfa in one workerd through Miniflare
 * (no wrangler proxy), a tenant whose send caps were raised through its API, challenge sends of 1 user
 * and of 8 users through the Resend adapter to the bench's local mail mock. Every send must answer 200.
 */
describe("npm run bench -- --scenario sends --runtime miniflare --smoke", () => {
  let node: NodeApi;
  let dir: string;
  let results: SendsRun[];

  beforeAll(async () => {
    node = await loadNode();
    dir = node.mkdtempSync(`${node.tmpdir()}/edge-mfa-bench-sends-`);
    const run = await runBench(node, dir, "sends", [
      "--scenario",
      "sends",
      "--runtime",
      "miniflare",
      "--smoke",
      "--reps",
      "1",
    ]);
    results = (run.report as { results: SendsRun[] }).results;
  }, 300_000);

  afterAll(() => {
    if (dir) node.rmSync(dir, { recursive: true, force: true });
  });

  it("sends every code of 1 user and of 8 users of one tenant, none throttled", () => {
    expect(results.map((r) => [r.runtime, r.users])).toEqual([
      ["miniflare", 1],
      ["miniflare", 8],
    ]);
    for (const r of results) {
      expect(r.statuses).toEqual({ 200: 16 });
      expect(r.rps).toBeGreaterThan(0);
    }
  });
});
