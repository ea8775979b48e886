/**
 * What the platform costs per request besides inference, as workerd CPU time (read from outside,
 * divided over many calls) next to the wall time seen inside the isolate: token verification, a
 * rate-limit check per backend (CPU in workerd against the round trip), reading and validating a
 * body, and the CPU per request of whole routes.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { measure } from "./cpu-time";
import { timed } from "./http";
import { interleave } from "./interleave";
import { percentiles, round, spread } from "./stats";
import type { TrackedWorker } from "./tracked-worker";

/** CPU per call and wall per call (from inside the isolate) over `rounds` requests of `calls` calls each. */
async function perCall(worker: TrackedWorker, rounds: number, calls: number, request: () => Promise<number>) {
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const { cpuMs, value } = await measure(worker.cpuMs, request);
    cpu.push(cpuMs / calls);
    wall.push(value);
  }
  return { cpuMs: spread(cpu, 4), wallMs: spread(wall, 4) };
}

export async function measureVerification(
  benchWorker: TrackedWorker,
  settings: Record<string, string>,
  tokens: Record<string, string>,
  rounds: number,
) {
  const iterations = 300;
  const results: Record<string, unknown> = {};
  for (const [alg, token] of Object.entries(tokens)) {
    results[alg] = await perCall(benchWorker, rounds, iterations, async () => {
      const response = await benchWorker.fetch("/verify", {
        method: "POST",
        body: JSON.stringify({ settings, token, iterations }),
      });
      return ((await response.json()) as { perVerifyMs: number }).perVerifyMs;
    });
  }
  return results;
}

/**
 * One check's CPU in workerd (the Durable Object runs in the same process, so its work is
 * included; Redis and its REST bridge run elsewhere) and its wall time; their difference is
 * the time spent waiting on the round trip.
 */
export async function measureRateLimits(benchWorker: TrackedWorker, rounds: number) {
  const iterations = 100;
  const results: Record<string, unknown> = {};
  for (const backend of ["durable-object", "upstash"]) {
    const samples: number[] = [];
    const timing = await perCall(benchWorker, rounds, iterations, async () => {
      const response = await benchWorker.fetch(`/limit?backend=${backend}&iterations=${iterations}`);
      const result = (await response.json()) as { meanMs: number; samples: number[] };
      samples.push(...result.samples);
      return result.meanMs;
    });
    results[backend] = {
      ...timing,
      waitingMs: round(timing.wallMs.median - timing.cpuMs.median, 3),
      p99WallMs: percentiles({ all: samples }, 1).all.p99,
    };
  }
  return results;
}

/** The vad function's body: its read inside the isolate, and one parse and validation. */
export async function measureValidation(benchWorker: TrackedWorker, vadBody: string, rounds: number) {
  const iterations = 200;
  const reads: number[] = [];
  const timing = await perCall(benchWorker, rounds, iterations, async () => {
    const response = await benchWorker.fetch(`/validate?fn=vad&iterations=${iterations}`, {
      method: "POST",
      body: vadBody,
    });
    const result = (await response.json()) as { readMs: number; perValidateMs: number };
    reads.push(result.readMs);
    return result.perValidateMs;
  });
  return { parseAndValidate: timing, bodyReadWallMs: spread(reads, 3), bodyBytes: vadBody.length };
}

export interface Route {
  worker: TrackedWorker;
  send: () => Promise<Response>;
  /** Waits this long after its requests before reading CPU, for work done after the response (the audit queue's consumer batches for up to 1 s). */
  settleMs?: number;
}

/** Workerd CPU per request and wall p50/p99 of each route, over `rounds` interleaved batches of `requests` sequential requests. */
export async function measureRoutes(routes: Record<string, Route>, rounds: number, requests: number) {
  const wall: Record<string, number[]> = Object.fromEntries(Object.keys(routes).map((name) => [name, []]));
  for (const route of Object.values(routes)) for (let i = 0; i < 3; i++) await timed(route.send);
  const samples = await interleave(
    rounds,
    Object.fromEntries(
      Object.entries(routes).map(([name, route]) => [
        name,
        async () => {
          const { cpuMs, wallMs } = await measure(route.worker.cpuMs, async () => {
            for (let i = 0; i < requests; i++) wall[name].push((await timed(route.send)).ms);
            if (route.settleMs) await sleep(route.settleMs);
          });
          return { cpuMs: cpuMs / requests, wallMs };
        },
      ]),
    ),
  );
  const http = percentiles(wall);
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      { cpuPerRequestMs: spread(s.map((x) => x.cpuMs)), httpMs: http[name] },
    ]),
  );
}
