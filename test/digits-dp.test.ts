/**
 * `digits` version `dp`, the perceptron trained with DP-SGD (models/digits/train-dp.ts) and served
 * beside version 1: its model card against the RDP accountant and the recipe, and the worker's
 * versioned routes against onnxruntime-node on the dp plaintext, down to the audit event.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDigits, PIXELS, type Samples } from "../models/digits/dataset";
import { DP_SGD } from "../models/digits/train-dp";
import { trainedModel } from "../models/trained";
import type { AuditEvent } from "../src/audit/types";
import type { FunctionDescription } from "../src/client/types";
import type { ModelManifest, ModelPrivacy, RecipeSource } from "../src/models/manifest";
import { dpSgdEpsilon } from "../src/privacy/dp/rdp";
import { auditObjects, eventsIn } from "./audit-log";
import { manifestOf, maxAbsDifference, ortNode, referenceRun } from "./reference";
import { FULL_RELEASE, postJson, startWorker, type TestWorker } from "./worker";

/** ORT in workerd (WASM) and in Node compute the same float32 sums in orders that differ slightly. */
const TOLERANCE = 1e-5;
const BATCH = 64;

let dp: ModelManifest;
let baseline: ModelManifest;
let privacy: ModelPrivacy;
let source: RecipeSource;
let digits: { train: Samples; test: Samples };

beforeAll(async () => {
  [dp, baseline] = await Promise.all([manifestOf("digits", "dp"), manifestOf("digits", "1")]);
  if (!("recipe" in dp.source) || !dp.card.privacy) throw new Error("digits@dp is trained by its recipe, with privacy");
  source = dp.source;
  privacy = dp.card.privacy;
  digits = loadDigits(source.dataset, source.seed);
});

describe("the dp model card", () => {
  it("states the epsilon the RDP accountant gives for its sampling rate, noise multiplier, steps and delta", () => {
    const { epsilon } = dpSgdEpsilon(privacy, privacy.delta);
    // Rounded up, never down: the card may overstate the privacy loss, not understate it.
    expect(privacy.epsilon).toBe(Math.ceil(epsilon * 100) / 100);
    expect(privacy.delta).toBeLessThan(1 / privacy.trainingExamples);
  });

  it("states the settings the recipe trains with, on the recipe's training split", () => {
    const { sampleRate, noiseMultiplier, clippingNorm, steps } = DP_SGD;
    expect(privacy).toMatchObject({ sampleRate, noiseMultiplier, clippingNorm, steps });
    expect(privacy.trainingExamples).toBe(digits.train.count);
    expect(source.recipe).toBe("models/digits/train-dp.ts");
  });

  it("states the test accuracy the recipe measured, next to version 1's", async () => {
    expect(dp.card.metrics).toEqual((await trainedModel(dp.id, source)).metrics);
    expect(privacy.baseline).toEqual({ version: baseline.version, testAccuracy: baseline.card.metrics?.testAccuracy });
  });
});

describe("serving digits@dp beside digits@1", () => {
  let worker: TestWorker;
  beforeAll(async () => {
    worker = await startWorker({ vars: FULL_RELEASE });
  });
  afterAll(() => worker?.dispose());

  const batch = () => digits.test.x.slice(0, BATCH * PIXELS);

  async function infer(path: string) {
    const response = await postJson(worker, path, {
      inputs: [{ name: "x", datatype: "FP32", shape: [BATCH, PIXELS], data: Array.from(batch()) }],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { model_version: string; outputs: { data: number[] }[] };
    return { requestId: response.headers.get("x-request-id"), version: body.model_version, data: body.outputs[0].data };
  }
  const reference = async (manifest: ModelManifest) =>
    (await referenceRun(manifest, { x: new ortNode.Tensor("float32", batch(), [BATCH, PIXELS]) })).probabilities
      .data as Float32Array;

  it("answers /versions/dp/infer with the dp model, and the unversioned route with version 1", async () => {
    const [served, expected] = await Promise.all([infer("/v2/models/digits/versions/dp/infer"), reference(dp)]);
    expect(served.version).toBe("dp");
    expect(maxAbsDifference(served.data, expected)).toBeLessThanOrEqual(TOLERANCE);
    const [unversioned, first] = await Promise.all([infer("/v2/models/digits/infer"), reference(baseline)]);
    expect(unversioned.version).toBe("1");
    expect(maxAbsDifference(unversioned.data, first)).toBeLessThanOrEqual(TOLERANCE);
    // Two different networks: the version asked for is the one that answered.
    expect(maxAbsDifference(expected, first)).toBeGreaterThan(0.01);
  });

  it("describes version dp, lists both versions, and is ready", async () => {
    const metadata = await worker.fetch("/v2/models/digits/versions/dp");
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({ name: "digits", versions: ["1", "dp"] });
    const ready = await worker.fetch("/v2/models/digits/versions/dp/ready");
    expect(await ready.json()).toEqual({ name: "digits", ready: true });
  });

  it("lists both versions in /v1/functions, the dp one with its privacy card; the function itself stays on 1", async () => {
    const { functions } = (await (await worker.fetch("/v1/functions")).json()) as { functions: FunctionDescription[] };
    const described = functions.find((fn) => fn.name === "digits");
    expect(described?.model.version).toBe("1");
    expect(described?.versions.map((m) => [m.version, m.card.privacy?.epsilon])).toEqual([
      ["1", undefined],
      ["dp", privacy.epsilon],
    ]);
  });

  it("refuses a version it does not serve: 404 model_version_not_found", async () => {
    const response = await postJson(worker, "/v2/models/digits/versions/2/infer", { inputs: [] });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: "model_version_not_found", error: /serves versions 1, dp/ });
  });

  it("names version dp and its digest in the audit event of a dp inference", async () => {
    const { requestId } = await infer("/v2/models/digits/versions/dp/infer");
    const deadline = Date.now() + 60_000;
    let event = undefined as AuditEvent | undefined;
    while (!event && Date.now() < deadline) {
      event = eventsIn(await auditObjects(worker)).find((e) => e.requestId === requestId);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(event?.model).toMatchObject({ id: "digits", version: "dp", sha256: dp.sha256 });
  });
});
