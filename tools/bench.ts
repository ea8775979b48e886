/**
 * `npm run bench`: a benchmark, not a test. For each model it measures, on this machine:
 *   - warm inference in workerd (onnxruntime-web, WASM, one thread) next to onnxruntime-node
 *     (native, one thread) on the same inputs, and their ratio;
 *   - the cold first request in a fresh isolate, broken down from the worker's Server-Timing:
 *     R2 fetch, decryption, ORT session creation, first run;
 *   - HTTP latency p50/p99 of sequential OIP requests (JSON and binary tensors) to the real worker;
 *   - token verification with a warm key cache, per algorithm, inside workerd, and the HTTP
 *     latency of a trivial authenticated route next to a public one;
 *   - a rate-limit check per backend (Durable Object; local Redis through the Upstash-REST
 *     bridge), inside workerd and over HTTP on a limited route;
 *   - the vad function over HTTP with the audit log on and off (sending happens after the response);
 *   - hostile inputs (tools/bench-hostile.ts): the worst answer time over the fuzz corpus and the
 *     costliest refusals, with the liveness probe's latency meanwhile (`--hostile`: only this);
 * and the size of the deployable bundle. It prints tables and writes tools/bench-results.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import * as ortNode from "onnxruntime-node";
import { functions } from "../functions";
import { readPlaintext } from "../models/recipe";
import { base64url } from "../src/models/base64url";
import { generateKeyJwk } from "../src/models/keyring";
import { authVars, makeKey, sign } from "../test/tokens";
import { BENCH_CASES, type BenchTensor } from "./bench-cases";
import { type HostileResult, measureHostile } from "./bench-hostile";
import { ROOT } from "./local-state";
import { buildBundle, type LocalWorker, startLocalWorker } from "./local-worker";
import { startRedisBridge } from "./redis-bridge";
import { startRedisServer } from "./redis-server";

const QUICK = process.argv.includes("--quick");
const WARM_ROUNDS = QUICK ? 5 : 15;
const COLD_TRIALS = QUICK ? 2 : 5;
const HTTP_REQUESTS = QUICK ? 30 : 200;
const HOSTILE_ONLY = process.argv.includes("--hostile");
const HOSTILE_ROUNDS = QUICK ? 1 : 3;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const median = (values: number[]) => quantile(values, 0.5);
/** p50 and p99 of each kind's samples, in ms. */
const percentiles = (samplesByKind: Record<string, number[]>, digits = 3) =>
  Object.fromEntries(
    Object.entries(samplesByKind).map(([kind, samples]) => [
      kind,
      { p50: round(median(samples), digits), p99: round(quantile(samples, 0.99), digits), requests: samples.length },
    ]),
  );
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function oipJson(inputs: BenchTensor[]) {
  return JSON.stringify({
    inputs: inputs.map((t) => ({
      name: t.name,
      datatype: t.type === "int64" ? "INT64" : "FP32",
      shape: t.dims,
      data: Array.from(t.data, Number),
    })),
  });
}

function oipBinary(inputs: BenchTensor[]): { body: Buffer; headerLength: number } {
  const header = JSON.stringify({
    inputs: inputs.map((t) => ({
      name: t.name,
      datatype: t.type === "int64" ? "INT64" : "FP32",
      shape: t.dims,
      parameters: { binary_data_size: t.data.byteLength },
    })),
    parameters: { binary_data_output: true },
  });
  const body = Buffer.concat([
    Buffer.from(header),
    ...inputs.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  ]);
  return { body, headerLength: Buffer.byteLength(header) };
}

async function timed(run: () => Promise<Response>): Promise<{ ms: number; response: Response }> {
  const started = performance.now();
  const response = await run();
  const body = await response.arrayBuffer();
  if (response.status !== 200)
    throw new Error(`request failed: ${response.status} ${Buffer.from(body).toString().slice(0, 200)}`);
  return { ms: performance.now() - started, response };
}

function serverTiming(header: string | null): Record<string, number> {
  const entries = (header ?? "").split(",").flatMap((part) => {
    const match = /^\s*([\w-]+);(?:desc="[^"]*";)?dur=([\d.]+)/.exec(part);
    return match ? [[match[1], Number(match[2])] as const] : [];
  });
  return Object.fromEntries(entries);
}

async function nodeWarmMedian(model: string, inputs: BenchTensor[]): Promise<number> {
  const manifest = functions.find((fn) => fn.model.id === model)?.model;
  if (!manifest) throw new Error(model);
  const session = await ortNode.InferenceSession.create(await readPlaintext(manifest), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
  });
  const feeds = Object.fromEntries(inputs.map((t) => [t.name, new ortNode.Tensor(t.type, t.data, t.dims)]));
  for (let i = 0; i < 5; i++) await session.run(feeds);
  const samples: number[] = [];
  const perRound = model === "ppocr-det" ? 5 : 50;
  for (let round = 0; round < WARM_ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < perRound; i++) await session.run(feeds);
    samples.push((performance.now() - started) / perRound);
  }
  await session.release();
  return median(samples);
}

async function main() {
  const scratch = mkdtempSync(path.join(tmpdir(), "bastion-bench-"));
  const appBundle = path.join(scratch, "app");
  const benchBundle = path.join(scratch, "bench");
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
  const results: Record<string, unknown>[] = [];
  const authResults: Record<string, unknown> = {};
  const limitResults: Record<string, unknown> = {};
  const auditResults: Record<string, unknown> = {};
  let hostile: HostileResult[] = [];
  const workers: LocalWorker[] = [];
  const start = async (bundle: string, main = "index.js", seed = true, extra: Record<string, string> = {}) => {
    const worker = await startLocalWorker({
      bundle,
      main,
      modelKeys,
      seedWith: seed ? modelKeys : false,
      vars: { SERVER_TIMING: "on", ...auth, ...auditSecrets, ...viaRedis, RATE_LIMITS: noLimits, ...extra },
    });
    workers.push(worker);
    return worker;
  };
  try {
    const benchWorker = await start(benchBundle, "bench-worker.js");
    const app = await start(appBundle);
    // infer:raw: the OIP cases time whole outputs, text-detect's probability map among them.
    const authorization = `Bearer ${await sign(tokenKeys[0], { claims: { scope: "infer:* infer:raw" }, expiresIn: 3600 })}`;

    process.stdout.write("hostile inputs");
    hostile = await measureHostile(app, authorization, HOSTILE_ROUNDS);
    process.stdout.write("\n");
    if (HOSTILE_ONLY) {
      printHostile(hostile);
      return;
    }

    process.stdout.write("auth: verify");
    for (const key of tokenKeys) {
      const token = await sign(key, { claims: { scope: "infer:*" }, expiresIn: 3600 });
      const samples: number[] = [];
      for (let round = 0; round < WARM_ROUNDS; round++) {
        const response = await benchWorker.fetch("/verify", {
          method: "POST",
          body: JSON.stringify({ settings: auth, token, iterations: 500 }),
        });
        samples.push(((await response.json()) as { perVerifyMs: number }).perVerifyMs);
      }
      authResults[key.alg] = { verifyMedianMs: round(median(samples), 4) };
    }
    process.stdout.write(", http\n");
    const trivial: Record<string, number[]> = { public: [], authenticated: [] };
    for (let i = 0; i < HTTP_REQUESTS; i++) {
      trivial.public.push((await timed(() => app.fetch("/v2/health/live"))).ms);
      trivial.authenticated.push((await timed(() => app.fetch("/v1/principal", { headers: { authorization } }))).ms);
    }
    process.stdout.write("rate limits: in-worker");
    for (const backend of ["durable-object", "upstash"]) {
      const samples: number[] = [];
      const means: number[] = [];
      for (let round = 0; round < WARM_ROUNDS; round++) {
        const response = await benchWorker.fetch(`/limit?backend=${backend}&iterations=100`);
        const result = (await response.json()) as { meanMs: number; samples: number[] };
        means.push(result.meanMs);
        samples.push(...result.samples);
      }
      limitResults[backend] = {
        meanMs: round(median(means), 3),
        p99Ms: round(quantile(samples, 0.99), 1),
        calls: samples.length,
      };
    }
    process.stdout.write(", http\n");
    const limitedRoute: Record<string, number[]> = { "durable-object": [], upstash: [], "no-limit (health)": [] };
    const doApp = await start(appBundle, "index.js", false, {
      UPSTASH_REDIS_REST_URL: "",
      UPSTASH_REDIS_REST_TOKEN: "",
    });
    for (let i = 0; i < HTTP_REQUESTS; i++) {
      limitedRoute["durable-object"].push(
        (await timed(() => doApp.fetch("/v2/models/vad", { headers: { authorization } }))).ms,
      );
      limitedRoute.upstash.push((await timed(() => app.fetch("/v2/models/vad", { headers: { authorization } }))).ms);
      limitedRoute["no-limit (health)"].push((await timed(() => app.fetch("/v2/health/live"))).ms);
    }
    limitResults.http = percentiles(limitedRoute);
    process.stdout.write("audit: on/off\n");
    const auditOff = await start(appBundle, "index.js", true, { AUDIT: "off" });
    const vadBody = JSON.stringify({ audio: Array.from(BENCH_CASES[0].inputs()[0].data, Number) });
    const auditSamples: Record<string, number[]> = { on: [], off: [] };
    const callVad = (w: LocalWorker) => () =>
      w.fetch("/v1/functions/vad", {
        method: "POST",
        headers: { "content-type": "application/json", authorization },
        body: vadBody,
      });
    for (let i = 0; i < 5; i++) await Promise.all([timed(callVad(app)), timed(callVad(auditOff))]);
    for (let i = 0; i < HTTP_REQUESTS; i++) {
      auditSamples.on.push((await timed(callVad(app))).ms);
      auditSamples.off.push((await timed(callVad(auditOff))).ms);
    }
    auditResults.vadHttp = percentiles(auditSamples);
    authResults.http = percentiles(trivial);
    for (const bench of BENCH_CASES) {
      const inputs = bench.inputs();
      process.stdout.write(`${bench.model}: warm`);
      const perRound = bench.model === "ppocr-det" ? 5 : 50;
      await benchWorker.fetch(`/?model=${bench.model}&iterations=5`).then((r) => r.text());
      const workerd: number[] = [];
      for (let round = 0; round < WARM_ROUNDS; round++) {
        const response = await benchWorker.fetch(`/?model=${bench.model}&iterations=${perRound}`);
        workerd.push(((await response.json()) as { perRunMs: number }).perRunMs);
      }
      const node = await nodeWarmMedian(bench.model, inputs);

      process.stdout.write(", cold");
      const cold: Record<string, number>[] = [];
      for (let trial = 0; trial < COLD_TRIALS; trial++) {
        const fresh = await start(appBundle);
        const { ms, response } = await timed(() =>
          fresh.fetch(`/v2/models/${bench.fn}/infer`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization },
            body: oipJson(inputs),
          }),
        );
        const timing = serverTiming(response.headers.get("server-timing"));
        cold.push({
          totalMs: ms,
          fetchMs: timing["model-fetch"],
          decryptMs: timing["model-decrypt"],
          sessionMs: timing["session-create"],
          firstRunMs: timing.inference,
        });
        await fresh.dispose();
      }

      process.stdout.write(", http\n");
      const json = oipJson(inputs);
      const binary = oipBinary(inputs);
      const sendJson = () =>
        app.fetch(`/v2/models/${bench.fn}/infer`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization },
          body: json,
        });
      const sendBinary = () =>
        app.fetch(`/v2/models/${bench.fn}/infer`, {
          method: "POST",
          headers: {
            "content-type": "application/octet-stream",
            "inference-header-content-length": String(binary.headerLength),
            authorization,
          },
          body: binary.body,
        });
      const requests = bench.model === "ppocr-det" ? Math.ceil(HTTP_REQUESTS / 4) : HTTP_REQUESTS;
      const http: Record<string, number[]> = { json: [], binary: [] };
      for (const [kind, send] of [
        ["json", sendJson],
        ["binary", sendBinary],
      ] as const) {
        for (let i = 0; i < 3; i++) await timed(send);
        for (let i = 0; i < requests; i++) http[kind].push((await timed(send)).ms);
      }

      const medianOf = (key: string) => round(median(cold.map((c) => c[key])), 1);
      results.push({
        model: bench.model,
        function: bench.fn,
        input: bench.label,
        warmInferenceMs: {
          workerd: round(median(workerd), 3),
          onnxruntimeNode: round(node, 3),
          ratio: round(median(workerd) / node, 2),
        },
        coldFirstRequestMs: {
          total: medianOf("totalMs"),
          r2Fetch: medianOf("fetchMs"),
          decrypt: medianOf("decryptMs"),
          sessionCreate: medianOf("sessionMs"),
          firstRun: medianOf("firstRunMs"),
          trials: COLD_TRIALS,
        },
        httpSequentialMs: percentiles(http, 2),
      });
    }
  } finally {
    await Promise.all(workers.map((w) => w.dispose()));
    await bridge.close();
    await redis.stop();
    rmSync(scratch, { recursive: true, force: true });
  }

  const report = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    bundle: sizeLine,
    quick: QUICK,
    models: results,
    auth: authResults,
    rateLimits: limitResults,
    audit: auditResults,
    hostileInputs: hostile,
  };
  if (!QUICK) writeFileSync(path.join(ROOT, "tools", "bench-results.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nbundle: ${sizeLine}`);
  console.log("token verification with a warm key cache (ms), and HTTP to a public vs an authenticated trivial route:");
  console.log(JSON.stringify(authResults, null, 2));
  console.log("rate-limit checks: in-worker mean and p99 per call (ms), and HTTP to a limited metadata route:");
  console.log(JSON.stringify(limitResults, null, 2));
  console.log("audit log on vs off: HTTP to the vad function (ms):");
  console.log(JSON.stringify(auditResults, null, 2));
  printHostile(hostile);
  console.table(
    results.map((r) => {
      const warm = r.warmInferenceMs as Record<string, number>;
      const cold = r.coldFirstRequestMs as Record<string, number>;
      const http = r.httpSequentialMs as Record<string, Record<string, number>>;
      return {
        model: r.model,
        "warm workerd ms": warm.workerd,
        "warm node ms": warm.onnxruntimeNode,
        ratio: warm.ratio,
        "cold total": cold.total,
        "r2 fetch": cold.r2Fetch,
        decrypt: cold.decrypt,
        "session create": cold.sessionCreate,
        "first run": cold.firstRun,
        "http json p50/p99": `${http.json.p50} / ${http.json.p99}`,
        "http binary p50/p99": `${http.binary.p50} / ${http.binary.p99}`,
      };
    }),
  );
}

function printHostile(results: HostileResult[]) {
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

await main();
