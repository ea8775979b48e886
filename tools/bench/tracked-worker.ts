/** A local worker together with the CPU counter of the workerd process that runs it. */
import { type LocalWorker, type LocalWorkerOptions, startLocalWorker } from "../local-worker";
import { processCpuMs, withNewWorkerdPid } from "./cpu-time";

export interface TrackedWorker extends LocalWorker {
  pid: number;
  /** CPU time, in ms, that this worker's workerd process (all threads) has used since it started. */
  cpuMs(): number;
}

export async function startTrackedWorker(options: LocalWorkerOptions): Promise<TrackedWorker> {
  const { value: worker, pid } = await withNewWorkerdPid(() => startLocalWorker(options));
  return Object.assign(worker, { pid, cpuMs: () => processCpuMs(pid) });
}
