/**
 * Waits out V8's background compilation in a workerd process. ORT's wasm first runs on baseline
 * code while hot functions are recompiled on other threads; measured here, that took about 25
 * rounds of VAD (4 s of CPU) for one model, during which the process used about twice the CPU
 * time of the wall time it ran. A measurement taken before then times the compiler, not the model.
 */
import { measure } from "./cpu-time";
import type { TrackedWorker } from "./tracked-worker";

const CALM_ROUNDS_NEEDED = 3;
const GIVE_UP_MS = 30_000;

/**
 * Repeats `round` on `worker` until, three rounds running, its CPU time stays under `maxCpuPerWall`
 * times its wall time (about 1 for work that keeps one thread busy; lower when the round also
 * waits for the client). Returns how many rounds that took, and whether it settled before giving up.
 */
export async function settle(worker: TrackedWorker, round: () => Promise<unknown>, maxCpuPerWall: number) {
  const started = performance.now();
  let calm = 0;
  let rounds = 0;
  while (calm < CALM_ROUNDS_NEEDED) {
    if (performance.now() - started > GIVE_UP_MS) return { rounds, settled: false };
    const { cpuMs, wallMs } = await measure(worker.cpuMs, round);
    rounds++;
    calm = cpuMs <= maxCpuPerWall * wallMs ? calm + 1 : 0;
  }
  return { rounds, settled: true };
}
