/** CPU time of a process and all its descendants, from /proc (Linux): utime + stime of each. */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may itself contain spaces or parentheses).
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const name = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
    return { name, ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null; // gone
  }
}

/** The pid and all its descendants alive now. */
export function processTree(rootPid) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(name);
    if (!s) continue;
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(Number(name));
  }
  const out = [];
  const todo = [rootPid];
  while (todo.length) {
    const pid = todo.pop();
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Seconds of CPU (user + system) used so far by the tree under `rootPid`. */
export function treeCpuSeconds(rootPid) {
  let ticks = 0;
  for (const pid of processTree(rootPid)) ticks += stat(pid)?.ticks ?? 0;
  return ticks / TICKS_PER_SECOND;
}

/** CPU seconds so far of each process in the tree under `rootPid`: pid → { name, seconds }. */
export function treeCpuByProcess(rootPid) {
  const out = new Map();
  for (const pid of processTree(rootPid)) {
    const s = stat(pid);
    if (s) out.set(pid, { name: s.name, seconds: s.ticks / TICKS_PER_SECOND });
  }
  return out;
}

/**
 * Per process, the CPU used between two `treeCpuByProcess` snapshots, busiest first:
 * [{ name, seconds }] (e.g. wrangler's node, its proxy workerd and the worker's workerd).
 */
export function cpuSplit(before, after) {
  return [...after]
    .map(([pid, a]) => ({ name: a.name, seconds: a.seconds - (before.get(pid)?.seconds ?? 0) }))
    .sort((x, y) => y.seconds - x.seconds);
}
