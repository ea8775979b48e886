/**
 * `npm run bench`: a benchmark, not a test. On this machine, with workerd's CPU time read from
 * /proc next to wall time (tools/bench/cpu-time.ts), it measures:
 *   - warm inference per model in workerd (onnxruntime-web, wasm, one thread) against
 *     onnxruntime-node (one thread), interleaved in random order each round: the median of the
 *     per-round ratios and their spread, by CPU and by wall time;
 *   - the cold start in fresh workerd processes: isolate start, the first request split by its
 *     Server-Timing (model fetch, decrypt, session creation, first run), ORT's initialisation apart;
 *   - the platform's overhead: token verification, each rate-limit check (CPU against round trip),
 *     body parsing and validation, and CPU per request by route (audit on and off); and the whole
 *     platform path's CPU per vad request inside the isolate, the real app against the function's
 *     own work, with its split (tools/bench/platform.ts; `--platform`: only this, nothing written);
 *   - N concurrent clients against one isolate, against a bare onnxruntime-node loop;
 *   - HTTP p50/p99 of sequential OIP requests per model, JSON and binary tensors;
 *   - hostile inputs (tools/bench-hostile.ts): the worst answer time over the fuzz corpus and the
 *     costliest refusals, with the liveness probe's latency meanwhile (`--hostile`: only this);
 * and the size of the deployable bundle. It prints short tables and writes tools/bench-results.json.
 * `--profile` (tools/bench/profile.ts): only the per-operator profile of warm inference, workerd
 * against native, written under `profile` in tools/bench-results.json (the rest kept).
 * `--quick` (about a minute: fewer rounds, one model's cold start, no sequential HTTP or hostile
 * inputs) writes nothing.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { functions } from "../functions";
import { base64url } from "../src/models/base64url";
import { generateKeyJwk } from "../src/models/keyring";
import { authVars, makeKey, sign } from "../test/tokens";
import { measureCold } from "./bench/cold";
import { measureConcurrency } from "./bench/concurrency";
import { cpuDescription } from "./bench/cpu-time";
import { oipBinary, oipJson, timed } from "./bench/http";
import { measureRateLimits, measureRoutes, measureValidation, measureVerification } from "./bench/overhead";
import { measurePlatform } from "./bench/platform";
import {
  printCold,
  printConcurrency,
  printHostile,
  printOverhead,
  printPlatform,
  printStartup,
  printWarm,
} from "./bench/print";
import { printProfile, profileModel } from "./bench/profile";
import { settle } from "./bench/settle";
import { buildUploadBundle, measureStartup } from "./bench/startup";
import { percentiles } from "./bench/stats";
import { startTrackedWorker, type TrackedWorker } from "./bench/tracked-worker";
import { measureWarm } from "./bench/warm";
import { BENCH_CASES } from "./bench-cases";
import { type HostileResult, measureHostile } from "./bench-hostile";
import { ROOT } from "./local-state";
import { buildBundle, type LocalWorkerOptions, startLocalWorker } from "./local-worker";
import { startRedisBridge } from "./redis-bridge";
import { startRedisServer } from "./redis-server";

const QUICK = process.argv.includes("--quick");
const HOSTILE_ONLY = process.argv.includes("--hostile");
const PROFILE_ONLY = process.argv.includes("--profile");
const PLATFORM_ONLY = process.argv.includes("--platform");
const WARM_ROUNDS = QUICK ? 5 : 21;
const COLD_TRIALS = QUICK ? 1 : 5;
const OVERHEAD_ROUNDS = QUICK ? 2 : 11;
const ROUTE_REQUESTS = QUICK ? 20 : 50;
const PLATFORM_ROUNDS = QUICK ? 3 : 11;
const PLATFORM_REQUESTS = QUICK ? 100 : 200;
const HTTP_REQUESTS = QUICK ? 20 : 200;
const CONCURRENT_CLIENTS = [1, 4, 16];
const CONCURRENT_REQUESTS = QUICK ? 64 : 480;
const HOSTILE_ROUNDS = QUICK ? 1 : 3;
/**
 * Sequential HTTP leaves workerd idle while the client works: past background compilation,
 * its CPU stays well under the wall time (about 2x the wall time before).
 */
const HTTP_CPU_PER_WALL = 0.9;
const RESULTS = path.join(ROOT, "tools", "bench-results.json");
/** The audit queue's consumer batches for up to 1 s: wait for it before reading CPU. */
const AUDIT_SETTLE_MS = 1200;

async function main() {
  const cpu = cpuDescription();
  const loadAtStart = loadavg();
  console.log(`cpu: ${cpu.model}, ${cpu.cores} cores, ${cpu.vectorExtensions.join(" ")}`);
  console.log(`load average at start: ${loadAtStart.map((x) => x.toFixed(2)).join(" ")}`);
  const scratch = mkdtempSync(path.join(tmpdir(), "bastion-bench-"));
  const appBundle = path.join(scratch, "app");
  const benchBundle = path.join(scratch, "bench");
  const coldState = path.join(scratch, "cold-state");
  const sizeLine = buildBundle(appBundle);
  buildBundle(benchBundle, "tools/bench-worker.ts");
  const modelKeys = JSON.stringify({ keys: [generateKeyJwk("bench")] });
  const tokenKeys = await Promise.all(["ES256", "RS256", "PS256", "EdDSA"].map((alg) => makeKey(alg)));
  const auth = authVars(tokenKeys);
  const redis = await startRedisServer();
  const bridge = await startRedisBridge({ redisUrl: redis.url, token: "bench" });
  const secret = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  const auditSecrets = { AUDIT_PEPPER: secret(), AUDIT_SIGNING_KEY: secret(), STATE_KEY: secret() };
  const viaRedis = { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token };
  // The benchmark measures speed, not limits: lift them far out of reach.
  const unlimited = { algorithm: "sliding-window", limit: 1_000_000_000 };
  const noLimits = JSON.stringify({
    ip: unlimited,
    reads: unlimited,
    functions: Object.fromEntries(functions.map((fn) => [fn.name, unlimited])),
  });
  const options = (bundle: string, main = "index.js", extra: Record<string, string> = {}): LocalWorkerOptions => ({
    bundle,
    main,
    modelKeys,
    seedWith: modelKeys,
    vars: { SERVER_TIMING: "on", ...auth, ...auditSecrets, ...viaRedis, RATE_LIMITS: noLimits, ...extra },
  });
  const workers: TrackedWorker[] = [];
  const start = async (o: LocalWorkerOptions) => {
    const worker = await startTrackedWorker(o);
    workers.push(worker);
    return worker;
  };
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { ...cpu, node: process.version },
    bundle: sizeLine,
    quick: QUICK,
  };
  try {
    const benchWorker = await start(options(benchBundle, "bench-worker.js"));
    if (PROFILE_ONLY) {
      await profileAll(benchWorker, loadAtStart);
      return;
    }
    // infer:raw: the OIP cases time whole outputs, text-detect's probability map among them.
    const authorization = `Bearer ${await sign(tokenKeys[0], { claims: { scope: "infer:* infer:raw" }, expiresIn: 3600 })}`;
    const vadBody = JSON.stringify({ audio: Array.from(BENCH_CASES[0].inputs()[0].data, Number) });
    const platform = () => measurePlatform(benchWorker, authorization, vadBody, PLATFORM_ROUNDS, PLATFORM_REQUESTS);
    if (PLATFORM_ONLY) {
      printPlatform(await platform());
      return;
    }
    const app = await start(options(appBundle));

    if (HOSTILE_ONLY || !QUICK) {
      process.stdout.write("hostile inputs");
      const hostile: HostileResult[] = await measureHostile(app, authorization, HOSTILE_ROUNDS);
      process.stdout.write("\n");
      report.hostileInputs = hostile;
      if (HOSTILE_ONLY) {
        printHostile(hostile);
        return;
      }
    }

    const models: Record<string, unknown>[] = [];
    // Fresh processes for the cold start read models from state seeded once, on disk.
    await (await startLocalWorker({ ...options(appBundle), persistTo: coldState })).dispose();
    const coldOptions = {
      app: { ...options(appBundle), seedWith: false as const, persistTo: coldState },
      bench: { ...options(benchBundle, "bench-worker.js"), seedWith: false as const, persistTo: coldState },
      authorization,
    };
    for (const [index, bench] of BENCH_CASES.entries()) {
      process.stdout.write(`${bench.model}: warm`);
      const warm = await measureWarm(benchWorker, bench, WARM_ROUNDS);
      // --quick: ORT's start-up, most of a cold start, is the same whatever the model; one is enough.
      const full = !QUICK || index === 0;
      if (full) process.stdout.write(", cold");
      const cold = full ? await measureCold(coldOptions, bench, COLD_TRIALS) : undefined;
      if (!QUICK) process.stdout.write(", http");
      const httpSequentialMs = QUICK ? undefined : await sequentialHttp(app, authorization, bench);
      process.stdout.write("\n");
      models.push({ model: bench.model, function: bench.fn, input: bench.label, warm, cold, httpSequentialMs });
    }
    report.models = models;
    process.stdout.write("start-up phase: wrangler check startup\n");
    const upload = path.join(scratch, "upload.bundle");
    buildUploadBundle(ROOT, upload);
    report.startup = measureStartup(ROOT, upload, scratch, COLD_TRIALS);

    process.stdout.write("overhead: verification, rate limits, validation, platform path, routes\n");
    const verifyTokens = Object.fromEntries(
      await Promise.all(
        tokenKeys.map(async (key) => [key.alg, await sign(key, { claims: { scope: "infer:*" }, expiresIn: 3600 })]),
      ),
    );
    const auditOff = await start(options(appBundle, "index.js", { AUDIT: "off" }));
    const callVad = (w: TrackedWorker) => () =>
      w.fetch("/v1/functions/vad", {
        method: "POST",
        headers: { "content-type": "application/json", authorization },
        body: vadBody,
      });
    // Both workers' vad path compiled before their CPU is compared (see tools/bench/settle.ts).
    const vadSettled = {
      app: await settle(app, () => batch(callVad(app)), HTTP_CPU_PER_WALL),
      auditOff: await settle(auditOff, () => batch(callVad(auditOff)), HTTP_CPU_PER_WALL),
    };
    report.overhead = {
      vadSettled,
      verification: await measureVerification(benchWorker, auth, verifyTokens, OVERHEAD_ROUNDS),
      rateLimits: await measureRateLimits(benchWorker, OVERHEAD_ROUNDS),
      validation: await measureValidation(benchWorker, vadBody, OVERHEAD_ROUNDS),
      platform: await platform(),
      routes: await measureRoutes(
        {
          "GET /v2/health/live (public)": { worker: app, send: () => app.fetch("/v2/health/live") },
          "GET /v1/principal (authenticated)": {
            worker: app,
            send: () => app.fetch("/v1/principal", { headers: { authorization } }),
          },
          "POST /v1/functions/vad, audit on": { worker: app, send: callVad(app), settleMs: AUDIT_SETTLE_MS },
          "POST /v1/functions/vad, audit off": { worker: auditOff, send: callVad(auditOff), settleMs: AUDIT_SETTLE_MS },
        },
        OVERHEAD_ROUNDS,
        ROUTE_REQUESTS,
      ),
    };

    process.stdout.write("concurrency\n");
    report.concurrency = {
      model: BENCH_CASES[0].model,
      runs: await measureConcurrency(app, authorization, BENCH_CASES[0], CONCURRENT_CLIENTS, CONCURRENT_REQUESTS),
    };
  } finally {
    await Promise.all(workers.map((w) => w.dispose()));
    await bridge.close();
    await redis.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  report.loadAverage = { start: loadAtStart, end: loadavg() };
  if (!QUICK) {
    // The per-operator profile comes from its own run (--profile): a full run keeps it.
    report.profile = JSON.parse(readFileSync(RESULTS, "utf8")).profile;
    writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  }
  const models = report.models as Parameters<typeof printWarm>[0] & Parameters<typeof printCold>[0];
  console.log(`\nbundle: ${sizeLine}`);
  printWarm(models);
  printCold(models);
  printStartup(report.startup as Parameters<typeof printStartup>[0]);
  printOverhead(report.overhead as Parameters<typeof printOverhead>[0]);
  const concurrency = report.concurrency as { model: string; runs: Record<string, unknown> };
  printConcurrency(concurrency.model, concurrency.runs);
  if (report.hostileInputs) printHostile(report.hostileInputs as HostileResult[]);
  console.log(
    `load average at end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
}

/** `--profile`: each model's per-operator profile, printed and kept in the results file. */
async function profileAll(benchWorker: TrackedWorker, loadAtStart: number[]) {
  const models = [];
  for (const bench of BENCH_CASES) {
    process.stdout.write(`${bench.model}: profile\n`);
    models.push({ model: bench.model, input: bench.label, profile: await profileModel(benchWorker, bench) });
  }
  printProfile(models);
  const loadAverage = { start: loadAtStart, end: loadavg() };
  console.log(
    `load average: start ${loadAtStart.map((x) => x.toFixed(2)).join(" ")}, end ${loadAverage.end.map((x) => x.toFixed(2)).join(" ")}`,
  );
  const results = JSON.parse(readFileSync(RESULTS, "utf8"));
  results.profile = { date: new Date().toISOString(), machine: cpuDescription(), loadAverage, models };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
}

/** Sequential OIP requests to the app, JSON and binary tensors: p50/p99 in ms. */
async function sequentialHttp(app: TrackedWorker, authorization: string, bench: (typeof BENCH_CASES)[number]) {
  const inputs = bench.inputs();
  const json = oipJson(inputs);
  const binary = oipBinary(inputs);
  const send = (body: string | Buffer, headers: Record<string, string>) => () =>
    app.fetch(`/v2/models/${bench.fn}/infer`, { method: "POST", headers: { ...headers, authorization }, body });
  const kinds = {
    json: send(json, { "content-type": "application/json" }),
    binary: send(binary.body, {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(binary.headerLength),
    }),
  };
  const requests = bench.model === "ppocr-det" ? Math.ceil(HTTP_REQUESTS / 4) : HTTP_REQUESTS;
  const samples: Record<string, number[]> = { json: [], binary: [] };
  const settled = await settle(app, () => batch(kinds.binary), HTTP_CPU_PER_WALL);
  for (const [kind, run] of Object.entries(kinds)) {
    for (let i = 0; i < 3; i++) await timed(run);
    for (let i = 0; i < requests; i++) samples[kind].push((await timed(run)).ms);
  }
  return { ...percentiles(samples, 2), settled };
}

/** Ten sequential requests: a settling round. */
async function batch(send: () => Promise<Response>) {
  for (let i = 0; i < 10; i++) await timed(send);
}

await main();
