/**
 * The cold first request, in fresh workerd processes: isolate start (workerd, the worker's script
 * and ORT's wasm compiled, and the app's start of ORT at global scope, src/inference/runtime.ts)
 * until the worker can be called, then the app's first inference request split by its
 * Server-Timing, and ORT's initialisation apart, from the bench worker in another fresh process
 * (see `coldLoad` in tools/bench-worker.ts). The bench worker does not start ORT at global scope,
 * so its process's start-up CPU, beside the app's, shows what that start costs. A third fresh app
 * process answers a readiness probe first (GET /v2/models/{name}/ready loads and runs every
 * variant), then its first inference request: what a caller meets in a probed isolate.
 */
import type { BenchCase } from "../bench-cases";
import type { LocalWorkerOptions } from "../local-worker";
import { measure } from "./cpu-time";
import { oipJson, serverTiming, timed } from "./http";
import { spread } from "./stats";
import { startTrackedWorker, type TrackedWorker } from "./tracked-worker";

interface ColdLoad {
  fetchMs: number;
  decryptMs: number;
  firstSessionMs: number;
  secondSessionMs: number;
  firstRunMs: number;
}

/** `app` and `bench` start the app and the bench worker on already seeded, persisted state. */
export async function measureCold(
  options: { app: LocalWorkerOptions; bench: LocalWorkerOptions; authorization: string },
  bench: BenchCase,
  trials: number,
) {
  const trial: Record<string, number>[] = [];
  const infer = (worker: TrackedWorker) =>
    worker.fetch(`/v2/models/${bench.fn}/infer`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: options.authorization },
      body: oipJson(bench.inputs()),
    });
  for (let t = 0; t < trials; t++) {
    const started = performance.now();
    const app = await startTrackedWorker(options.app);
    const startWallMs = performance.now() - started;
    const startCpuMs = app.cpuMs();
    const request = await measure(app.cpuMs, () => timed(() => infer(app)));
    await app.dispose();
    const timing = serverTiming(request.value.response.headers.get("server-timing"));

    const probed = await startTrackedWorker(options.app);
    const probe = await timed(() =>
      probed.fetch(`/v2/models/${bench.fn}/ready`, { headers: { authorization: options.authorization } }),
    );
    const afterProbe = await measure(probed.cpuMs, () => timed(() => infer(probed)));
    await probed.dispose();

    const benchWorker = await startTrackedWorker(options.bench);
    const benchStartCpuMs = benchWorker.cpuMs();
    const load = await measure(benchWorker.cpuMs, async () => {
      const response = await benchWorker.fetch(`/cold?model=${bench.model}`);
      return (await response.json()) as ColdLoad;
    });
    await benchWorker.dispose();

    trial.push({
      isolateStartWallMs: startWallMs,
      isolateStartCpuMs: startCpuMs,
      withoutOrtStartCpuMs: benchStartCpuMs,
      firstRequestWallMs: request.wallMs,
      firstRequestCpuMs: request.cpuMs,
      modelFetchMs: timing["model-fetch"],
      decryptMs: timing["model-decrypt"],
      sessionCreateMs: timing["session-create"],
      firstRunMs: timing.inference,
      ortInitMs: load.value.firstSessionMs - load.value.secondSessionMs,
      readinessProbeWallMs: probe.ms,
      afterProbeFirstRequestWallMs: afterProbe.wallMs,
      afterProbeFirstRequestCpuMs: afterProbe.cpuMs,
      sessionWithoutOrtInitMs: load.value.secondSessionMs,
    });
  }
  return Object.fromEntries(
    Object.keys(trial[0]).map((key) => [
      key,
      spread(
        trial.map((x) => x[key]),
        1,
      ),
    ]),
  );
}
