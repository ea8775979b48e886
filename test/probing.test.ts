/**
 * Probing detection on the real worker: a HopSkipJump run recorded against the digits model is
 * replayed over OIP by one principal and climbs the ladder (full answers, labels only, 429
 * probing_suspected, 403 principal_stopped); the same queries from a red-team token are watched
 * and recorded but never hindered; an honest principal is never hindered; an operator's
 * `npm run ops -- probing-clear` lifts a stop; the audit log records the verdicts.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDigits, PIXELS } from "../models/digits/dataset";
import { trainedModel } from "../models/trained";
import { principalDigest } from "../src/auth/principal-digest";
import { parseManifest } from "../src/models/manifest";
import { DEFAULT_PROBING_POLICY } from "../src/probing/policy";
import { Random } from "../src/robustness/random";
import { runAttack } from "../src/robustness/run";
import { onnxTarget } from "../src/robustness/targets/onnx";
import { recordingClassifier } from "../src/robustness/targets/recording";
import { type RedisBridge, startRedisBridge } from "../tools/redis-bridge";
import { type LocalRedis, startRedisServer } from "../tools/redis-server";
import { drained } from "./audit-log";
import { postJson, startWorker, type TestWorker, tokenWithScopes } from "./worker";

const run = promisify(execFile);
const manifest = parseManifest(JSON.parse(readFileSync("models/digits.json", "utf8")));
const BATCH = 5;
/** Requests sent, so the audit test can wait for all of their events. */
let sent = 0;
let worker: TestWorker;
let attackInputs: Float32Array[];
let digits: ReturnType<typeof loadDigits>;

beforeAll(async () => {
  if (!("recipe" in manifest.source)) throw new Error("the digits manifest names no recipe");
  const { bytes } = await trainedModel(manifest.id, manifest.source);
  digits = loadDigits(manifest.source.dataset, manifest.source.seed);
  const recording = recordingClassifier(await onnxTarget(bytes, { clip: [0, 1], shape: [1, 28, 28] }));
  const example = { data: digits.test.x.slice(0, PIXELS), label: digits.test.labels[0] };
  await runAttack(recording, [example], { attack: "hsj", norm: "2", seed: 3, queries: 600, concurrency: 1 });
  attackInputs = recording.trace.map((q) => q.input);
  worker = await startWorker({
    vars: { RATE_LIMITS: JSON.stringify({ ip: { limit: 100_000 }, functions: { digits: { limit: 100_000 } } }) },
  });
});
afterAll(() => worker?.dispose());

interface Answer {
  status: number;
  code?: string;
  probabilities?: number[][];
}

/** Sends `inputs` to digits over OIP in batches, as `token`'s principal; one answer per batch. */
async function send(
  inputs: Float32Array[],
  token: string,
  until?: (answer: Answer) => boolean,
  through: (batch: number) => TestWorker = () => worker,
): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let start = 0; start < inputs.length; start += BATCH) {
    const batch = inputs.slice(start, start + BATCH);
    const response = await postJson(
      through(start / BATCH),
      "/v2/models/digits/infer",
      {
        inputs: [
          { name: "x", datatype: "FP32", shape: [batch.length, PIXELS], data: batch.flatMap((x) => Array.from(x)) },
        ],
      },
      { authorization: `Bearer ${token}` },
    );
    sent++;
    const body = (await response.json()) as { code?: string; outputs?: { data: number[] }[] };
    const data = body.outputs?.[0].data;
    const probabilities = data && Array.from({ length: batch.length }, (_, i) => data.slice(i * 10, (i + 1) * 10));
    const answer = { status: response.status, code: body.code, probabilities };
    answers.push(answer);
    if (until?.(answer)) break;
  }
  return answers;
}

const rung = (answer: Answer) =>
  answer.status !== 200 ? answer.code : answer.probabilities?.every(isOneHot) ? "label-only" : "scores";
const isOneHot = (row: number[]) => row.filter((p) => p === 1).length === 1 && row.every((p) => p === 0 || p === 1);
const token = (sub: string, tier?: string) => tokenWithScopes("infer:digits", { sub, ...(tier ? { tier } : {}) });

describe("probing on the real worker", () => {
  it("climbs the ladder for a replayed HopSkipJump run: scores, labels only, 429, then a stop", async () => {
    const attackerSub = `attacker-${crypto.randomUUID()}`;
    const attacker = await token(attackerSub);
    const answers = await send(attackInputs, attacker, (a) => a.code === "probing_suspected");
    const { ladder, minObservations } = DEFAULT_PROBING_POLICY;
    const rungs = answers.map(rung);
    // Each batch is BATCH observations; the first flag comes once minObservations are in.
    expect(rungs.slice(0, Math.floor(minObservations / BATCH))).toEqual(
      new Array(Math.floor(minObservations / BATCH)).fill("scores"),
    );
    expect(rungs).toContain("label-only");
    expect(rungs.at(-1)).toBe("probing_suspected");
    expect(rungs.indexOf("label-only")).toBeLessThan(rungs.indexOf("probing_suspected"));
    // Refused, and still at it: every request is a strike, up to the stop.
    const statuses: string[] = [];
    for (let i = 0; i < ladder.stop && statuses.at(-1) !== "principal_stopped"; i++) {
      statuses.push((await send(attackInputs.slice(0, 1), attacker))[0].code ?? "answered");
    }
    expect(new Set(statuses)).toEqual(new Set(["probing_suspected", "principal_stopped"]));
    // A stop holds whatever comes next.
    const honestLooking = [digits.test.x.slice(PIXELS, 2 * PIXELS)];
    expect((await send(honestLooking, attacker))[0]).toMatchObject({ status: 403, code: "principal_stopped" });
    // The stop is a principal stop in the function's operator controls, as an operator's would be.
    const attackerDigest = await principalDigest({ subject: attackerSub, tier: "default", scopes: new Set() });
    const controls = await (await worker.functionControls("digits")).read();
    expect(controls.principals[attackerDigest]).toMatchObject({
      source: "probing-detector",
      operator: "probing-detector",
    });

    // Only an operator lifts it (npm run ops, with an admin token); then the principal is answered again.
    const clear = async (scope: string) => {
      const adminToken = await tokenWithScopes(scope, { sub: "operator" });
      const args = ["probing-clear", "--function", "digits", "--sub", attackerSub, "--base", worker.url.href];
      return run(process.execPath, ["--import", "tsx", "tools/ops.ts", ...args, "--token", adminToken]);
    };
    await expect(clear("infer:digits")).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("403") });
    expect((await send(honestLooking, attacker))[0].status).toBe(403);
    expect((await clear("admin")).stdout).toContain(`cleared ${attackerSub} for digits`);
    expect((await send(honestLooking, attacker))[0]).toMatchObject({ status: 200 });
  });

  it("watches a red-team tier without hindering it, and an honest caller is never hindered", async () => {
    const redTeam = await send(attackInputs.slice(0, 200), await token(`red-${crypto.randomUUID()}`, "redteam"));
    expect(redTeam.every((a) => a.status === 200 && !a.probabilities?.every(isOneHot))).toBe(true);
    const random = new Random(9);
    const picks = Array.from({ length: 300 }, () => random.int(0, digits.test.count));
    const honest = await send(
      picks.map((i) => digits.test.x.slice(i * PIXELS, (i + 1) * PIXELS)),
      await token(`honest-${crypto.randomUUID()}`),
    );
    expect(honest.map((a) => a.status)).toEqual(new Array(honest.length).fill(200));
    // Rounded to two decimals (the default policy), never labels only.
    expect(honest.some((a) => a.probabilities?.some((row) => !isOneHot(row)))).toBe(true);
  });

  it("records each watched answer's verdict in the audit log", async () => {
    const { logged } = await drained(worker, sent);
    const watched = logged.filter((event) => event.probing);
    expect(watched.length).toBeGreaterThan(0);
    const levels = new Set(watched.map((event) => event.probing?.level));
    expect(levels).toContain("none");
    expect(levels).toContain("label-only");
    expect(watched.some((event) => event.probing?.signals.includes("boundary"))).toBe(true);
    // The red team's events name its tier and its verdicts, for the report.
    expect(watched.some((event) => event.principal?.tier === "redteam" && event.probing?.level !== "none")).toBe(true);
  });
});

describe("probing state in Redis", () => {
  let redis: LocalRedis;
  let bridge: RedisBridge;
  const shared: TestWorker[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    bridge = await startRedisBridge({ redisUrl: redis.url, token: "probing-bridge-token" });
    const vars = {
      PROBING_STORE: "redis",
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      RATE_LIMITS: JSON.stringify({
        ip: { limit: 100_000, timeoutMs: 10_000 },
        functions: { digits: { limit: 100_000, timeoutMs: 10_000 } },
      }),
    };
    shared.push(await startWorker({ vars }), await startWorker({ vars }));
  });
  afterAll(async () => {
    await Promise.all(shared.map((w) => w.dispose()));
    await bridge?.close();
    await redis?.stop();
  });

  it("two workers sharing Redis add to one principal's state, and Redis holds no subject", async () => {
    const subject = `attacker-${crypto.randomUUID()}`;
    const answers = await send(
      attackInputs,
      await token(subject),
      (a) => a.code === "probing_suspected",
      (i) => shared[i % 2],
    );
    const rungs = answers.map(rung);
    expect(rungs).toContain("label-only");
    expect(rungs.at(-1)).toBe("probing_suspected");
    // Each worker saw only every other batch, yet labels-only came as soon as it does for one worker
    // (the first flag at observation 50, 20 strikes later): the ladder was climbed on shared state.
    const { minObservations, ladder } = DEFAULT_PROBING_POLICY;
    expect(rungs.indexOf("label-only")).toBeLessThanOrEqual(Math.ceil((minObservations + ladder.labelOnly) / BATCH));
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys("bastion:probing:*");
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join(" ")).not.toContain(subject);
      const stored = await client.get(keys.find((k) => !k.endsWith(":lock")) as string);
      expect(JSON.parse(stored as string).strikes).toBeGreaterThanOrEqual(DEFAULT_PROBING_POLICY.ladder.refuse);
      expect(stored).not.toContain(subject);
    } finally {
      client.disconnect();
    }
  });
});
