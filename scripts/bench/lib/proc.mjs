/** CPU time of a process and all its descendants, from /proc (Linux): utime + stime of each. */
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may itself contain spaces or parentheses).
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
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
