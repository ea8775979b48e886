/**
 * N clients at once against one isolate on one model, against a bare onnxruntime-node loop over
 * the same inputs: throughput and latency percentiles, and workerd's CPU per request.
 */
import type { BenchCase } from "../bench-cases";
import { measure, selfCpuMs } from "./cpu-time";
import { oipBinary, timed } from "./http";
import { loadNative } from "./native";
import { percentiles, round } from "./stats";
import type { TrackedWorker } from "./tracked-worker";

export async function measureConcurrency(
  app: TrackedWorker,
  authorization: string,
  bench: BenchCase,
  clientCounts: number[],
  requests: number,
) {
  const binary = oipBinary(bench.inputs());
  const send = () =>
    app.fetch(`/v2/models/${bench.fn}/infer`, {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(binary.headerLength),
        authorization,
      },
      body: binary.body,
    });
  // One connection per client opened first, so that the runs below do not time connection setup.
  await Promise.all(Array.from({ length: Math.max(...clientCounts) }, () => timed(send)));
  const results: Record<string, unknown> = {};
  for (const clients of clientCounts) {
    const latencies: number[] = [];
    const perClient = Math.ceil(requests / clients);
    const { wallMs, cpuMs } = await measure(app.cpuMs, () =>
      Promise.all(
        Array.from({ length: clients }, async () => {
          for (let i = 0; i < perClient; i++) latencies.push((await timed(send)).ms);
        }),
      ),
    );
    results[`workerd, ${clients} clients`] = summary(latencies, wallMs, cpuMs);
  }
  const native = await loadNative(bench.model, bench.inputs());
  for (let i = 0; i < 5; i++) await native.run();
  const latencies: number[] = [];
  const { wallMs, cpuMs } = await measure(selfCpuMs, async () => {
    for (let i = 0; i < requests; i++) {
      const started = performance.now();
      await native.run();
      latencies.push(performance.now() - started);
    }
  });
  await native.release();
  results["onnxruntime-node loop"] = summary(latencies, wallMs, cpuMs);
  return results;
}

function summary(latencies: number[], wallMs: number, cpuMs: number) {
  const { p50, p99 } = percentiles({ all: latencies }, 2).all;
  return {
    requests: latencies.length,
    perSecond: round((latencies.length / wallMs) * 1000, 1),
    p50Ms: p50,
    p99Ms: p99,
    cpuPerRequestMs: round(cpuMs / latencies.length, 3),
  };
}
