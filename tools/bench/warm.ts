/**
 * Warm inference, workerd (onnxruntime-web, wasm, one thread) against onnxruntime-node (one
 * thread), interleaved round by round, by CPU time and by wall time per run.
 */
import type { BenchCase } from "../bench-cases";
import { measure, selfCpuMs } from "./cpu-time";
import { interleave, ratios, type Sample } from "./interleave";
import { loadNative } from "./native";
import { settle } from "./settle";
import { spread } from "./stats";
import type { TrackedWorker } from "./tracked-worker";

/** Runs per round: enough that a round lasts tens of milliseconds on each side. */
const runsPerRound = (model: string) => (model === "ppocr-det" ? 3 : 40);

export async function measureWarm(benchWorker: TrackedWorker, bench: BenchCase, rounds: number) {
  const runs = runsPerRound(bench.model);
  const native = await loadNative(bench.model, bench.inputs());
  const workerdRound = async (): Promise<Sample> => {
    const { cpuMs, value } = await measure(benchWorker.cpuMs, async () => {
      const response = await benchWorker.fetch(`/?model=${bench.model}&iterations=${runs}`);
      return (await response.json()) as { perRunMs: number };
    });
    // Wall time from inside the isolate: the HTTP round trip is not inference.
    return { wallMs: value.perRunMs, cpuMs: cpuMs / runs };
  };
  const nativeRound = async (): Promise<Sample> => {
    const { wallMs, cpuMs } = await measure(selfCpuMs, async () => {
      for (let i = 0; i < runs; i++) await native.run();
    });
    return { wallMs: wallMs / runs, cpuMs: cpuMs / runs };
  };
  // Warm-up: loads the model in workerd, waits for its wasm to be recompiled, and warms native.
  const warmUp = await settle(benchWorker, workerdRound, 1.3);
  await nativeRound();
  const samples = await interleave(rounds, { workerd: workerdRound, native: nativeRound });
  await native.release();
  const perRun = (side: Sample[]) => ({
    cpuMs: spread(side.map((s) => s.cpuMs)),
    wallMs: spread(side.map((s) => s.wallMs)),
  });
  return {
    runsPerRound: runs,
    warmUp,
    workerd: perRun(samples.workerd),
    onnxruntimeNode: perRun(samples.native),
    ratio: ratios(samples.workerd, samples.native),
  };
}
