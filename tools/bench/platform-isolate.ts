/**
 * Inside the bench worker (tools/bench-worker.ts): the platform's path around a vad request, run
 * `n` times in the isolate per call so workerd's whole-millisecond clock does not matter (the
 * caller reads the process's CPU time from /proc around each call, tools/bench/platform.ts).
 *
 *   app          the real app (`createApp` with the real functions) with BENCH-ONLY INSTANT
 *                BACKENDS for the rate limits, the probing monitor and the audit queue (they
 *                answer at once, so what they would do elsewhere is not counted; the queue
 *                structured-clones each event, as a real send serialises it); real jose
 *                verification, real validation, the real audit event
 *   app-local    the same with the real local backends: the Durable Objects (rate limiter,
 *                probing monitor) and Miniflare's queue, whose broker and consumer (acking at
 *                once) run in this same workerd process: their own work is counted
 *   control      what the app's handler does for the function itself: preprocessing, feeds,
 *                the model run in the same session cache, release, postprocessing, the JSON
 *   stage-*      real middleware on a bare Hono app (`stage-bare`: none), for the split:
 *                verification, each limit, the body, the probing watch (its monitor instant),
 *                the generic steps (request id, security headers, CORS, release policy, the
 *                seal check), and the audit step (event, subject key, enqueue; queue instant)
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { functions } from "../../functions";
import { API_SECURITY_HEADERS, createApp } from "../../src/app";
import { auditTrail } from "../../src/audit/middleware";
import { authenticate, verifierCache } from "../../src/auth/middleware";
import type { Principal } from "../../src/auth/types";
import { crossOrigin } from "../../src/cors/middleware";
import type { AppEnv, Bindings } from "../../src/env";
import { functionContext } from "../../src/functions/context";
import { bundledTrustedKeys } from "../../src/governance/trusted-keys";
import { runModel } from "../../src/inference/infer";
import { ort } from "../../src/inference/runtime";
import { ModelSessions } from "../../src/inference/sessions";
import { toOrtFeeds } from "../../src/inference/tensors";
import { keyringCache } from "../../src/models/keyring";
import { fernetSealing } from "../../src/privacy/sealing/middleware";
import { subjectKeyring } from "../../src/privacy/subjects/keyring";
import { probingWatch } from "../../src/probing/watch";
import { rateLimiting } from "../../src/ratelimit/middleware";
import type { RateLimitPolicy } from "../../src/ratelimit/types";
import { chooseReleasePolicy } from "../../src/release/middleware";
import { releaseScoreOutputs } from "../../src/release/score-outputs";
import { functionReleasePolicy, parseReleaseSettings } from "../../src/release/settings";
import { limitBodyToFunction, parseWith, readJson, requireJson } from "../../src/request/body";

export const PLATFORM_MODES = [
  "app",
  "app-local",
  "control",
  "stage-bare",
  "stage-verify",
  "stage-limit-ip",
  "stage-limit-principal",
  "stage-body",
  "stage-probing",
  "stage-generic",
  "stage-audit",
] as const;
export type PlatformMode = (typeof PLATFORM_MODES)[number];

const vad = functions.find((fn) => fn.name === "vad") as (typeof functions)[number];
const sessions = new ModelSessions();
const app = createApp({ functions, sessions });
const models = { sessions, keyring: keyringCache(), trustedKeys: bundledTrustedKeys() };

/** A Durable Object namespace whose every object answers at once: bench only, never deployed. */
function instantNamespace(methods: Record<string, (...args: never[]) => unknown>) {
  return { idFromName: (name: string) => name, get: () => methods } as unknown as DurableObjectNamespace<never>;
}
const allowed = (policy: RateLimitPolicy, cost: number) => ({
  allowed: true,
  limit: policy.limit,
  remaining: policy.limit - cost,
  reset: Date.now() + 60_000,
});
const quiet = { level: "none", strikes: 0, signals: { boundary: false, duplicates: false, prada: false } };
const INSTANT_BACKENDS = {
  RATE_LIMITER: instantNamespace({ limit: async (policy: RateLimitPolicy, cost: number) => allowed(policy, cost) }),
  PROBING_MONITOR: instantNamespace({ observe: async () => quiet, strike: async () => quiet, clear: async () => {} }),
  AUDIT_QUEUE: {
    send: async (event: unknown) => void structuredClone(event),
    sendBatch: async (events: { body: unknown }[]) => void structuredClone(events),
  },
};

/** The app's env here: Durable Objects for state (not the bench's Redis), no Server-Timing (production's default). */
function appEnv(env: Bindings, mode: PlatformMode): Bindings {
  const base = {
    ...env,
    UPSTASH_REDIS_REST_URL: undefined,
    UPSTASH_REDIS_REST_TOKEN: undefined,
    SERVER_TIMING: undefined,
  };
  if (mode === "app-local") return base;
  return { ...base, ...INSTANT_BACKENDS } as unknown as Bindings;
}

/** An ExecutionContext whose `waitUntil` work (the audit event's send) is awaited per request. */
function executionContext() {
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => pending.push(p), passThroughOnException() {}, props: {} };
  return { ctx: ctx as unknown as ExecutionContext, settled: () => Promise.allSettled(pending.splice(0)) };
}

const principal: Principal = { subject: "user-1", clientId: "bench", tier: "default", scopes: new Set(["infer:*"]) };

/** Middleware that sets one of the vars the app's own steps would have set. */
function setting<Name extends keyof AppEnv["Variables"]>(
  name: Name,
  value: (c: Context<AppEnv>) => AppEnv["Variables"][Name],
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set(name, value(c));
    await next();
  };
}

/** A bare app with the vars the inference middleware read already set, plus `stage`'s one middleware. */
function stageApp(mode: PlatformMode) {
  const limits = rateLimiting();
  const stage = new Hono<AppEnv>();
  if (mode === "stage-audit") stage.use(auditTrail(subjectKeyring()));
  if (mode === "stage-verify") stage.use(authenticate(verifierCache()));
  else stage.use(setting("principal", () => principal));
  if (mode === "stage-generic") {
    stage.use(requestId({ limitLength: 128 }));
    stage.use(secureHeaders(API_SECURITY_HEADERS));
    stage.use(async (c, next) => {
      await next();
      c.header("Cache-Control", "no-store");
    });
    const { corsHeaders, answerPreflight } = crossOrigin();
    stage.use(corsHeaders, answerPreflight);
  }
  stage.use(setting("fn", () => vad));
  if (mode === "stage-generic") stage.use(chooseReleasePolicy, fernetSealing().sealResponse);
  else stage.use(setting("release", (c) => ({ policy: releasePolicy(c.env) })));
  // The bench's monitor backend never stops anyone: the watch's own work is what is measured.
  const probing = probingWatch(async () => {});
  if (mode === "stage-probing") stage.use(probing.refuseKnownProbers);
  if (mode === "stage-limit-ip") stage.use(limits.limitByIp);
  if (mode === "stage-limit-principal") stage.use(limits.limitByPrincipal);
  if (mode === "stage-body") stage.use(limitBodyToFunction);
  stage.post("/v1/functions/:name", async (c) => {
    if (mode === "stage-probing") await probing.watch(c, probed.feeds, probed.outputs);
    if (mode === "stage-audit")
      c.set("inference", { model: vad.model, variant: "bench", kid: "bench", feeds: probed.feeds, summary: {} });
    if (mode === "stage-body") {
      requireJson(c);
      parseWith(vad.input, readJson(c), "invalid_input");
    }
    return c.body(null, 204);
  });
  return stage;
}
/** What the probing watch observes: a vad frame's input and scores. */
const probed = {
  feeds: {
    input: new ort.Tensor("float32", new Float32Array(512).fill(0.1), [1, 512]),
    state: new ort.Tensor("float32", new Float32Array(256), [2, 1, 128]),
  },
  outputs: { output: new ort.Tensor("float32", Float32Array.of(0.25), [1, 1]) },
};

const releasePolicy = (env: Bindings) =>
  functionReleasePolicy(parseReleaseSettings(env.RELEASE_POLICIES), vad, principal.tier);

const stages = new Map(PLATFORM_MODES.filter((m) => m.startsWith("stage-")).map((m) => [m, stageApp(m)]));

/** The function's own work, as the app's handler does it (no Hono, no platform step). */
async function control(env: Bindings, audio: number[]) {
  const c = {
    env,
    var: {
      fn: vad,
      principal,
      release: { policy: releasePolicy(env) },
    },
    set() {},
    header() {},
  } as unknown as Context<AppEnv>;
  const input = { audio: Float32Array.from(audio), threshold: 0.5 } as never;
  const context = functionContext(c);
  const feeds = toOrtFeeds(vad.model, await vad.preprocess(input, context));
  const { outputs } = await runModel(c, models, vad.model, feeds);
  const released = releaseScoreOutputs(c.var.release.policy, vad.release.scores, outputs);
  return JSON.stringify(await vad.postprocess(released, input, context));
}

/**
 * POST `{mode, n, authorization, body}`: runs `mode` n times; answers how many answers were not
 * what they should be (any is a broken measurement).
 */
export async function platformLoop(request: Request, env: Bindings): Promise<Response> {
  const { mode, n, authorization, body } = (await request.json()) as {
    mode: PlatformMode;
    n: number;
    authorization: string;
    body: string;
  };
  const audio = (JSON.parse(body) as { audio: number[] }).audio;
  const target = mode.startsWith("stage-") ? stages.get(mode) : mode === "control" ? undefined : app;
  const envFor = appEnv(env, mode);
  let failures = 0;
  let lastFailure = "";
  for (let i = 0; i < n; i++) {
    if (!target) {
      await control(envFor, audio);
      continue;
    }
    const { ctx, settled } = executionContext();
    const response = await target.fetch(
      new Request("https://bastion.bench/v1/functions/vad", {
        method: "POST",
        headers: {
          authorization,
          "content-type": "application/json",
          "content-length": String(body.length),
          "cf-connecting-ip": "203.0.113.7",
        },
        body,
      }),
      envFor,
      ctx,
    );
    const text = await response.text();
    await settled();
    if (!response.ok) {
      failures++;
      lastFailure = `${response.status} ${text.slice(0, 200)}`;
    }
  }
  return Response.json({ failures, lastFailure });
}
