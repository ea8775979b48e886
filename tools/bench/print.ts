/** The benchmark's short tables on stdout; the JSON file holds everything else. */
import type { HostileResult } from "../bench-hostile";
import type { measurePlatform } from "./platform";

type Spread = { median: number; q1: number; q3: number; min: number; max: number };
const iqr = (s: Spread) => `${s.median} [${s.q1}-${s.q3}]`;

export function printWarm(models: { model: string; warm: Record<string, unknown> }[]) {
  console.log("warm inference per run, ms: median [interquartile range] over interleaved rounds");
  console.table(
    models.map(({ model, warm }) => {
      const w = warm as Record<string, Record<string, Spread>>;
      return {
        model,
        "workerd cpu": iqr(w.workerd.cpuMs),
        "node cpu": iqr(w.onnxruntimeNode.cpuMs),
        "cpu ratio": iqr(w.ratio.cpu),
        "workerd wall": iqr(w.workerd.wallMs),
        "node wall": iqr(w.onnxruntimeNode.wallMs),
        "wall ratio": iqr(w.ratio.wall),
      };
    }),
  );
}

export function printCold(models: { model: string; cold?: Record<string, Spread> }[]) {
  console.log("cold start in fresh workerd processes, ms (median over trials):");
  console.table(
    models
      .flatMap(({ model, cold }) => (cold ? [{ model, cold }] : []))
      .map(({ model, cold }) => ({
        model,
        ...Object.fromEntries(Object.entries(cold).map(([key, s]) => [key.replace(/Ms$/, ""), s.median])),
      })),
  );
}

export function printStartup({ busyMs: s }: { busyMs: Spread }) {
  console.log(
    `start-up phase (wrangler check startup), busy ms: median ${s.median} [${s.q1} - ${s.q3}]; Cloudflare allows 1,000 ms of CPU`,
  );
}

export function printOverhead(overhead: Record<string, Record<string, unknown>>) {
  console.log("platform overhead per call inside workerd, ms: CPU (workerd process) and wall (isolate clock), medians");
  const rows: Record<string, unknown>[] = [];
  for (const [alg, r] of Object.entries(overhead.verification)) {
    const v = r as Record<string, Spread>;
    rows.push({ step: `verify ${alg}`, cpu: v.cpuMs.median, wall: v.wallMs.median });
  }
  for (const [backend, r] of Object.entries(overhead.rateLimits)) {
    const v = r as Record<string, Spread> & { waitingMs: number };
    rows.push({ step: `rate limit, ${backend}`, cpu: v.cpuMs.median, wall: v.wallMs.median, waiting: v.waitingMs });
  }
  const validation = overhead.validation as { parseAndValidate: Record<string, Spread>; bodyReadWallMs: Spread };
  rows.push({
    step: "vad body: parse and validate",
    cpu: validation.parseAndValidate.cpuMs.median,
    wall: validation.parseAndValidate.wallMs.median,
  });
  rows.push({ step: "vad body: read", wall: validation.bodyReadWallMs.median });
  console.table(rows);
  if (overhead.platform) printPlatform(overhead.platform as unknown as PlatformResult);
  console.log("CPU per request by route (workerd), and HTTP p50 / p99 (ms):");
  console.table(
    Object.entries(overhead.routes).map(([route, r]) => {
      const v = r as { cpuPerRequestMs: Spread; httpMs: { p50: number; p99: number } };
      return { route, cpu: iqr(v.cpuPerRequestMs), "http p50 / p99": `${v.httpMs.p50} / ${v.httpMs.p99}` };
    }),
  );
}

type PlatformResult = Awaited<ReturnType<typeof measurePlatform>>;

export function printPlatform(p: PlatformResult) {
  console.log(
    `platform path per vad request, in-isolate CPU ms: median [IQR] of per-round differences, ${p.requestsPerSample} requests a sample`,
  );
  console.log("(rate limits, probing monitor, audit queue: bench-only instant backends; their real local ones apart)");
  console.table([
    { part: "whole platform path (app - control)", cpu: iqr(p.platformCpuMs) },
    ...Object.entries(p.split).map(([part, s]) => ({ part: `  ${part}`, cpu: iqr(s) })),
    { part: "  not itemised (the rest, and the steps together)", cpu: iqr(p.notItemisedCpuMs) },
    { part: "app, all of it", cpu: iqr(p.appCpuMs) },
    { part: "control (the function's own work)", cpu: iqr(p.controlCpuMs) },
    { part: "real local backends instead: DOs, queue (added)", cpu: iqr(p.localBackendsCpuMs) },
  ]);
}

export function printConcurrency(model: string, results: Record<string, unknown>) {
  console.log(`concurrency, ${model} (binary OIP requests, one isolate):`);
  console.table(Object.entries(results).map(([run, r]) => ({ run, ...(r as object) })));
}

export function printHostile(results: HostileResult[]) {
  const worst = results.reduce((a, b) => (b.answerMs.max > a.answerMs.max ? b : a));
  console.log(`hostile inputs: worst answer ${worst.answerMs.max} ms (${worst.name}); budget 1000 ms`);
  console.table(
    results.map((r) => ({
      case: r.name.slice(0, 80),
      status: r.status,
      "answer ms median": r.answerMs.median,
      "answer ms max": r.answerMs.max,
      "slowest liveness ms": r.slowestLivenessMs,
    })),
  );
}
