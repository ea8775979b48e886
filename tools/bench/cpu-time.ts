/**
 * On-CPU time of the processes a benchmark involves, from Linux's /proc: wall clocks lie on a
 * shared machine (a descheduled process still ages), CPU time does not. workerd is measured from
 * outside, summing its threads' schedstat (nanoseconds; /proc/<pid>/stat ticks only every 10 ms).
 */
import { readdirSync, readFileSync } from "node:fs";

/** CPU time, in ms, that the threads of `pid` have spent running. */
export function processCpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended between the listing and the read: its time is no longer counted anywhere.
    }
  }
  return ns / 1e6;
}

/** CPU time, in ms, of this Node process (all its threads, onnxruntime-node's among them). */
export const selfCpuMs = () => processCpuMs(process.pid);

/** The workerd processes this Node process started (Miniflare spawns them as direct children). */
export function childWorkerdPids(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing bracket.
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && ppid === process.pid) pids.add(Number(entry));
    } catch {
      // The process exited while /proc was read.
    }
  }
  return pids;
}

/** Runs `start` (which launches one workerd) and returns its result with the new process's pid. */
export async function withNewWorkerdPid<T>(start: () => Promise<T>): Promise<{ value: T; pid: number }> {
  const before = childWorkerdPids();
  const value = await start();
  const added = [...childWorkerdPids()].filter((pid) => !before.has(pid));
  if (added.length !== 1) throw new Error(`expected one new workerd process, found ${added.length}`);
  return { value, pid: added[0] };
}

/** Wall and CPU time of `run`, CPU taken from `cpuMs` (a process's counter) before and after. */
export async function measure<T>(
  cpuMs: () => number,
  run: () => Promise<T>,
): Promise<{ wallMs: number; cpuMs: number; value: T }> {
  const cpuBefore = cpuMs();
  const started = performance.now();
  const value = await run();
  return { wallMs: performance.now() - started, cpuMs: cpuMs() - cpuBefore, value };
}

const VECTOR_FLAGS = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "amx_tile"];

/** The CPU's model name and which of the vector extensions ORT's kernels use it offers. */
export function cpuDescription(): { model: string; vectorExtensions: string[]; cores: number } {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "").split(" "));
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  return { model, vectorExtensions: VECTOR_FLAGS.filter((flag) => flags.has(flag)), cores };
}
