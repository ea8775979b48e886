/**
 * A worker for the benchmark only (never deployed): loads a model through the real path (R2,
 * envelope decryption, ORT session) and times `iterations` runs inside workerd, and times token
 * verification, rate-limit checks, body parsing and validation, a fresh isolate's cold load, and
 * the app's whole platform path against the function's own work (tools/bench/platform-isolate.ts).
 * The clock there ticks in whole milliseconds, so a run's time is a mean over many; the caller
 * also reads workerd's CPU time around each request (tools/bench/cpu-time.ts).
 */
import { functions } from "../functions";
import { type AuthSettings, parseAuthConfig } from "../src/auth/config";
import { createKeyResolver } from "../src/auth/keys";
import { verifyAccessToken } from "../src/auth/verify";
import type { Bindings } from "../src/env";
import { bundledTrustedKeys } from "../src/governance/trusted-keys";
import { createInferenceSession, ort } from "../src/inference/runtime";
import { importKeyring } from "../src/models/keyring";
import { type ModelManifest, variantFor } from "../src/models/manifest";
import { loadDecryptedModel } from "../src/models/store";
import { durableObjectBackend, RateLimiter } from "../src/ratelimit/durable-object";
import { DEFAULT_POLICY } from "../src/ratelimit/policy";
import { upstashBackend } from "../src/ratelimit/upstash";
import { parseJson, parseWith } from "../src/request/body";
import { platformLoop } from "./bench/platform-isolate";
import { BENCH_CASES } from "./bench-cases";

interface Env {
  MODELS: R2Bucket;
  MODEL_KEYS: string;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
}

// Bound like the app's (tools/local-worker.ts); unused here.
export { AuditLog } from "../src/audit/log";
export { FunctionControls } from "../src/governance/controls/durable-object";
export { PrivacyLedger } from "../src/privacy/budget/durable-object";
export { SubjectKeys } from "../src/privacy/subjects/durable-object";
export { ProbingMonitor } from "../src/probing/durable-object";
export { RateLimiter };

const sessions = new Map<string, Promise<ort.InferenceSession>>();
const trustedKeys = bundledTrustedKeys();

/**
 * onnxruntime-web prints its profiler's trace with console.log, bound when its wasm runtime
 * starts (after this module is evaluated): while `printed` is set, those lines are kept instead.
 */
let printed: string[] | undefined;
const log = console.log.bind(console);
console.log = (...args: unknown[]) => (printed ? printed.push(args.join(" ")) : log(...args));

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/verify") return verifyLoop(request);
    if (url.pathname === "/limit") return limitLoop(url, env);
    if (url.pathname === "/validate") return validateLoop(request, url);
    if (url.pathname === "/cold") return coldLoad(url, env);
    if (url.pathname === "/platform") return platformLoop(request, env as unknown as Bindings);
    const id = url.searchParams.get("model") ?? "";
    const iterations = Number(url.searchParams.get("iterations") ?? "20");
    const manifest = functions.find((fn) => fn.model.id === id)?.model;
    const bench = BENCH_CASES.find((c) => c.model === id);
    if (!manifest || !bench) return new Response("unknown model", { status: 404 });
    let session = sessions.get(id);
    if (!session) {
      session = loadBatchOne(env, manifest).then((model) => createInferenceSession(model.plaintext, ["wasm"]));
      sessions.set(id, session);
    }
    const ready = await session;
    const feeds = Object.fromEntries(bench.inputs().map((t) => [t.name, new ort.Tensor(t.type, t.data, t.dims)]));
    if (url.pathname === "/profile") return profiledRuns(env, manifest, feeds, iterations);
    const started = performance.now();
    for (let i = 0; i < iterations; i++) await ready.run(feeds);
    return Response.json({ perRunMs: (performance.now() - started) / iterations });
  },

  /** The audit queue's consumer here: bench only, acks at once (the app's consumer writes the log). */
  async queue(batch: MessageBatch): Promise<void> {
    batch.ackAll();
  },
};

/**
 * Runs a model `iterations` times in a session with ORT's profiler on, and answers the trace
 * events it prints. The app's session options plus profiling; the caller first warms the
 * model's plain session, so ORT's runtime is up and its wasm already optimised by V8.
 */
async function profiledRuns(
  env: Env,
  manifest: ModelManifest,
  feeds: Record<string, ort.Tensor>,
  iterations: number,
): Promise<Response> {
  const model = await loadBatchOne(env, manifest);
  const session = await ort.InferenceSession.create(model.plaintext, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "disabled",
    enableProfiling: true,
  });
  for (let i = 0; i < iterations; i++) await session.run(feeds);
  printed = [];
  try {
    session.endProfiling();
    return Response.json(JSON.parse(printed.join("\n")));
  } finally {
    printed = undefined;
    await session.release();
  }
}

/**
 * Times token verification with a warm key cache: `{settings, token, iterations}` in, the mean
 * time of one `verifyAccessToken` out.
 */
async function verifyLoop(request: Request): Promise<Response> {
  const { settings, token, iterations } = (await request.json()) as {
    settings: AuthSettings;
    token: string;
    iterations: number;
  };
  const config = parseAuthConfig(settings);
  const keys = createKeyResolver(config);
  await verifyAccessToken(token, config, keys);
  const started = performance.now();
  for (let i = 0; i < iterations; i++) await verifyAccessToken(token, config, keys);
  return Response.json({ perVerifyMs: (performance.now() - started) / iterations });
}

/**
 * Times one rate-limit check against a backend (`?backend=durable-object|upstash`), each call timed
 * alone: `{samples}` in ms (whole milliseconds, workerd's clock) for the caller's percentiles, and
 * the mean over all of them.
 */
async function limitLoop(url: URL, env: Env): Promise<Response> {
  const iterations = Number(url.searchParams.get("iterations") ?? "200");
  const backend =
    url.searchParams.get("backend") === "upstash"
      ? upstashBackend(env.UPSTASH_REDIS_REST_URL as string, env.UPSTASH_REDIS_REST_TOKEN as string)
      : durableObjectBackend(env.RATE_LIMITER);
  const policy = { ...DEFAULT_POLICY, limit: 1_000_000_000 };
  const key = `bench:${crypto.randomUUID()}`;
  await backend.limit(key, policy, 1);
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await backend.limit(key, policy, 1);
    samples.push(performance.now() - t);
  }
  return Response.json({ meanMs: (performance.now() - started) / iterations, samples });
}

/**
 * Reads a function's JSON body once, then parses and validates it as the app does (depth check,
 * JSON.parse, the function's input schema) `iterations` times: the read's time and the mean of one
 * parse and validation.
 */
async function validateLoop(request: Request, url: URL): Promise<Response> {
  const fn = functions.find((f) => f.name === url.searchParams.get("fn"));
  if (!fn) return new Response("unknown function", { status: 404 });
  const iterations = Number(url.searchParams.get("iterations") ?? "100");
  const readStarted = performance.now();
  const text = new TextDecoder().decode(await request.arrayBuffer());
  const readMs = performance.now() - readStarted;
  const started = performance.now();
  for (let i = 0; i < iterations; i++) parseWith(fn.input, parseJson(text, "body"));
  return Response.json({ readMs, perValidateMs: (performance.now() - started) / iterations });
}

/** The model's batch-1 variant, decrypted and its signature checked, as the app loads it. */
async function loadBatchOne(env: Env, manifest: ModelManifest) {
  const keyring = await importKeyring(env.MODEL_KEYS);
  return loadDecryptedModel(env.MODELS, manifest, keyring, variantFor(manifest, { batch: 1 }), await trustedKeys());
}

/**
 * In a fresh isolate: fetches and decrypts a model, creates its session twice and runs it once.
 * The first creation also starts ORT's wasm runtime and the second does not, so their difference
 * is ORT's initialisation (onnxruntime-web offers no way to start it without a session).
 */
async function coldLoad(url: URL, env: Env): Promise<Response> {
  const id = url.searchParams.get("model") ?? "";
  const manifest = functions.find((fn) => fn.model.id === id)?.model;
  const bench = BENCH_CASES.find((c) => c.model === id);
  if (!manifest || !bench) return new Response("unknown model", { status: 404 });
  const model = await loadBatchOne(env, manifest);
  let started = performance.now();
  await createInferenceSession(model.plaintext, ["wasm"]);
  const firstSessionMs = performance.now() - started;
  started = performance.now();
  const session = await createInferenceSession(model.plaintext, ["wasm"]);
  const secondSessionMs = performance.now() - started;
  const feeds = Object.fromEntries(bench.inputs().map((t) => [t.name, new ort.Tensor(t.type, t.data, t.dims)]));
  started = performance.now();
  await session.run(feeds);
  return Response.json({
    fetchMs: model.timings.readMs,
    decryptMs: model.timings.decryptMs,
    firstSessionMs,
    secondSessionMs,
    firstRunMs: performance.now() - started,
  });
}
