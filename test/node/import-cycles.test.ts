/**
 * No import cycle in src/, type-only imports included (a cycle of types still couples the modules).
 * Walks every relative `import … from`, `export … from`, `import "…"` and `import("…")` of
 * src/**\/*.ts(x) and reports each strongly connected group of modules (Tarjan's algorithm) as one cycle.
 */
import { describe, expect, it } from "vitest";

type Fs = {
  readdirSync(path: string, options: { recursive: true }): string[];
  readFileSync(path: string, encoding: "utf8"): string;
  existsSync(path: string): boolean;
};
// A computed specifier keeps Node's types out of the Worker-typed tsconfig (no @types/node in the repo).
const FS_MODULE: string = "node:fs";
const SRC = new URL("../../src/", import.meta.url).pathname;

const SPECIFIER = /(?:^|[\s;}])(?:import|export)\s[^;]*?\sfrom\s*["'](\.[^"']+)["']|import\s*\(?\s*["'](\.[^"']+)["']/g;

function resolve(fs: Fs, from: string, spec: string): string | null {
  const base = new URL(spec, `file://${SRC}${from}`).pathname.slice(SRC.length);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`])
    if (/\.tsx?$/.test(candidate) && fs.existsSync(SRC + candidate)) return candidate;
  return null;
}

/** Module → the src modules it imports. */
function importGraph(fs: Fs): Map<string, string[]> {
  const files = fs.readdirSync(SRC, { recursive: true }).filter((f) => /\.tsx?$/.test(f) && !f.endsWith(".d.ts"));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = fs.readFileSync(SRC + file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "");
    const deps = [...text.matchAll(SPECIFIER)]
      .map((m) => resolve(fs, file, m[1] ?? m[2]!))
      .filter((d): d is string => d !== null);
    graph.set(file, [...new Set(deps)]);
  }
  return graph;
}

/** Groups of two or more modules that import each other, directly or around a loop (or a module importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe("src/ import graph", () => {
  it("finds a cycle when there is one (the check itself works)", () => {
    const g = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["a.ts"]],
    ]);
    expect(cycles(g)).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });

  it("has no import cycle", async () => {
    const fs = (await import(/* @vite-ignore */ FS_MODULE)) as Fs;
    const graph = importGraph(fs);
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get("settings.ts")).toContain("settings/tenant.ts");
    expect(cycles(graph).map((group) => group.join(" ⇄ "))).toEqual([]);
  });
});
