/**
 * The platform's in-isolate CPU per vad request: the real app against the function's own work
 * (tools/bench/platform-isolate.ts), `n` requests per call inside the bench worker, workerd's
 * process CPU read around each call, every mode in the same interleaved rounds. Per round, a
 * figure is a difference of two modes divided by `n`; the table gives their medians and IQRs.
 *
 * The rate limits, the probing monitor and the audit queue answer through bench-only instant
 * backends, so their backends' own work (Durable Objects and Miniflare's queue broker in this
 * process, Redis elsewhere) is not counted; `app-local` runs the same with the real local
 * backends, for the figure beside it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { measure } from "./cpu-time";
import { interleave, type Sample } from "./interleave";
import type { PlatformMode } from "./platform-isolate";
import { settle } from "./settle";
import { spread } from "./stats";
import type { TrackedWorker } from "./tracked-worker";

/** The audit queue's local consumer batches for up to 1 s: its delivery lands in the sample that sent. */
const AUDIT_SETTLE_MS = 1200;
/** The mode whose audit events go through the local queue waits for their delivery before CPU is read. */
const SETTLED: PlatformMode[] = ["app-local"];
const STAGES = {
  "token verification": "stage-verify",
  "limit by IP (in-isolate)": "stage-limit-ip",
  "limit by principal (in-isolate)": "stage-limit-principal",
  "body read + parse + validate": "stage-body",
  "probing watch (in-isolate)": "stage-probing",
  "request id, security headers, CORS, release policy, seal check": "stage-generic",
  "audit (event, subject key, enqueue)": "stage-audit",
} as const;

export async function measurePlatform(
  benchWorker: TrackedWorker,
  authorization: string,
  vadBody: string,
  rounds: number,
  n: number,
) {
  const call = async (mode: PlatformMode, count: number) => {
    const response = await benchWorker.fetch("/platform", {
      method: "POST",
      body: JSON.stringify({ mode, n: count, authorization, body: vadBody }),
    });
    const result = (await response.json()) as { failures: number; lastFailure: string };
    if (!response.ok || result.failures > 0)
      throw new Error(`platform bench, ${mode}: ${result.failures} bad answers, last ${result.lastFailure}`);
  };
  const modes: PlatformMode[] = ["app", "control", "app-local", "stage-bare", ...Object.values(STAGES)];
  // Every mode's code compiled (and ORT's wasm optimised) before anything is compared.
  for (const mode of modes) await call(mode, 20);
  const settled = await settle(benchWorker, () => call("app", 50), 1.05);
  const samples = await interleave(
    rounds,
    Object.fromEntries(
      modes.map((mode) => [
        mode,
        async (): Promise<Sample> => {
          const { cpuMs, wallMs } = await measure(benchWorker.cpuMs, async () => {
            await call(mode, n);
            if (SETTLED.includes(mode)) await sleep(AUDIT_SETTLE_MS);
          });
          return { cpuMs: cpuMs / n, wallMs: wallMs / n };
        },
      ]),
    ) as Record<PlatformMode, () => Promise<Sample>>,
  );
  const minus = (a: PlatformMode, b: PlatformMode) => spread(samples[a].map((s, i) => s.cpuMs - samples[b][i].cpuMs));
  return {
    requestsPerSample: n,
    settled,
    backends: "bench-only instant backends for the rate limits, the probing monitor and the audit queue",
    appCpuMs: spread(samples.app.map((s) => s.cpuMs)),
    controlCpuMs: spread(samples.control.map((s) => s.cpuMs)),
    /** The whole platform path: app minus the function's own work. */
    platformCpuMs: minus("app", "control"),
    split: Object.fromEntries(Object.entries(STAGES).map(([name, mode]) => [name, minus(mode, "stage-bare")])),
    /**
     * The whole path minus the parts above, per round: steps not itemised (resolving the function,
     * the scope check, the response), and what the steps cost together in one app beyond their
     * cost apart (one Hono chain of about 16 middleware, its shared context, the caches they share).
     */
    notItemisedCpuMs: spread(
      samples.app.map((s, i) => {
        const bare = samples["stage-bare"][i].cpuMs;
        const parts = Object.values(STAGES).reduce((sum, mode) => sum + samples[mode][i].cpuMs - bare, 0);
        return s.cpuMs - samples.control[i].cpuMs - parts;
      }),
    ),
    /**
     * What the real local backends add (2 rate-limit checks and 1 probing observation by Durable
     * Object, the queue's broker and consumer), their own work included.
     */
    localBackendsCpuMs: minus("app-local", "app"),
    platformWithLocalBackendsCpuMs: minus("app-local", "control"),
  };
}
