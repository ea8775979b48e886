/**
 * A worker for the benchmark only (never deployed): loads a model through the real path (R2,
 * envelope decryption, ORT session) and times `iterations` runs inside workerd, and times token
 * verification and rate-limit checks. The clock there ticks in whole milliseconds, so a run's time is a mean over many.
 */
import { functions } from "../functions";
import { type AuthSettings, parseAuthConfig } from "../src/auth/config";
import { createKeyResolver } from "../src/auth/keys";
import { verifyAccessToken } from "../src/auth/verify";
import { createInferenceSession, ort } from "../src/inference/runtime";
import { importKeyring } from "../src/models/keyring";
import { loadDecryptedModel } from "../src/models/store";
import { durableObjectBackend, RateLimiter } from "../src/ratelimit/durable-object";
import { DEFAULT_POLICY } from "../src/ratelimit/policy";
import { upstashBackend } from "../src/ratelimit/upstash";
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
export { RateLimiter };

const sessions = new Map<string, Promise<ort.InferenceSession>>();

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/verify") return verifyLoop(request);
    if (url.pathname === "/limit") return limitLoop(url, env);
    const id = url.searchParams.get("model") ?? "";
    const iterations = Number(url.searchParams.get("iterations") ?? "20");
    const manifest = functions.find((fn) => fn.model.id === id)?.model;
    const bench = BENCH_CASES.find((c) => c.model === id);
    if (!manifest || !bench) return new Response("unknown model", { status: 404 });
    let session = sessions.get(id);
    if (!session) {
      session = importKeyring(env.MODEL_KEYS)
        .then((keyring) => loadDecryptedModel(env.MODELS, manifest, keyring))
        .then((model) => createInferenceSession(model.plaintext, ["wasm"]));
      sessions.set(id, session);
    }
    const ready = await session;
    const feeds = Object.fromEntries(bench.inputs().map((t) => [t.name, new ort.Tensor(t.type, t.data, t.dims)]));
    const started = performance.now();
    for (let i = 0; i < iterations; i++) await ready.run(feeds);
    return Response.json({ perRunMs: (performance.now() - started) / iterations });
  },
};

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
