/**
 * `digits`, the function on the model this project trains, through HTTP on the real worker: the
 * served model against onnxruntime-node on the same plaintext, its accuracy on the recipe's
 * held-out digits against the model card, PNGs against their pixels, and what it refuses. The
 * worker releases the probabilities in full here (its default rounds them to 2 decimals).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDigits, PIXELS, type Samples, SIDE } from "../models/digits/dataset";
import type { ModelManifest } from "../src/models/manifest";
import { pngBase64, type TestImage } from "./images";
import { manifestOf, maxAbsDifference, ortNode, referenceRun } from "./reference";
import { FULL_RELEASE, postJson, startWorker, type TestWorker } from "./worker";

/** ORT in workerd (WASM) and in Node compute the same float32 sums in orders that differ slightly. */
const TOLERANCE = 1e-5;
const BATCH = 64;

let worker: TestWorker;
let manifest: ModelManifest;
let test: Samples;

beforeAll(async () => {
  manifest = await manifestOf("digits", "1");
  if (!("recipe" in manifest.source)) throw new Error("digits is trained by its recipe");
  test = loadDigits(manifest.source.dataset, manifest.source.seed).test;
  // The whole test split is 2,000 digits, more than the function's 1,200 a minute.
  worker = await startWorker({
    vars: { ...FULL_RELEASE, RATE_LIMITS: JSON.stringify({ functions: { digits: { limit: 10_000 } } }) },
  });
});
afterAll(() => worker?.dispose());

const digitPixels = (i: number) => test.x.subarray(i * PIXELS, (i + 1) * PIXELS);

interface DigitsAnswer {
  digit: number;
  confidence: number;
  probabilities: number[];
}

async function classify(body: unknown): Promise<DigitsAnswer> {
  const response = await postJson(worker, "/v1/functions/digits", body);
  expect(response.status).toBe(200);
  return (await response.json()) as DigitsAnswer;
}

/** Probabilities for `count` digits from `first` on, in one OIP request. */
async function inferBatch(first: number, count: number): Promise<Float32Array> {
  const x = test.x.subarray(first * PIXELS, (first + count) * PIXELS);
  const response = await postJson(worker, "/v2/models/digits/infer", {
    inputs: [{ name: "x", datatype: "FP32", shape: [count, PIXELS], data: Array.from(x) }],
  });
  expect(response.status).toBe(200);
  const { outputs } = (await response.json()) as { outputs: { name: string; shape: number[]; data: number[] }[] };
  expect(outputs[0]).toMatchObject({ name: "probabilities", shape: [count, 10] });
  return Float32Array.from(outputs[0].data);
}

const argmax = (row: ArrayLike<number>) => Array.prototype.indexOf.call(row, Math.max(...Array.from(row)));

describe("digits", () => {
  it("serves the model onnxruntime-node runs from the same plaintext, one digit and a batch of 64", async () => {
    const served = await inferBatch(0, BATCH);
    const reference = await referenceRun(manifest, {
      x: new ortNode.Tensor("float32", test.x.slice(0, BATCH * PIXELS), [BATCH, PIXELS]),
    });
    const expected = reference.probabilities.data as Float32Array;
    expect(maxAbsDifference(served, expected)).toBeLessThanOrEqual(TOLERANCE);
    const one = await classify({ pixels: Array.from(digitPixels(0)) });
    expect(maxAbsDifference(one.probabilities, expected.subarray(0, 10))).toBeLessThanOrEqual(TOLERANCE);
    expect(one.digit).toBe(argmax(expected.subarray(0, 10)));
    expect(one.confidence).toBe(one.probabilities[one.digit]);
  });

  it("is as accurate on the recipe's 2,000 held-out digits as its model card says", async () => {
    let correct = 0;
    for (let first = 0; first < test.count; first += BATCH) {
      const count = Math.min(BATCH, test.count - first);
      const probabilities = await inferBatch(first, count);
      for (let row = 0; row < count; row++)
        if (argmax(probabilities.subarray(row * 10, (row + 1) * 10)) === test.labels[first + row]) correct++;
    }
    expect(manifest.card.metrics).toEqual({ testAccuracy: expect.any(Number), testSamples: test.count });
    // The same digits through another build of ONNX Runtime: a near tie may tip, nothing more.
    expect(Math.abs(correct / test.count - (manifest.card.metrics?.testAccuracy as number))).toBeLessThanOrEqual(0.001);
  });

  it("answers a PNG of a digit as its pixels, at 28x28 and scaled up tenfold", async () => {
    for (let i = 0; i < 5; i++) {
      // A PNG holds 8-bit grey levels: the pixels it stands for are those, rounded.
      const levels = Uint8Array.from(digitPixels(i), (v) => Math.round(v * 255));
      const fromPixels = await classify({ pixels: Array.from(levels, (v) => v / 255) });
      const fromPng = await classify({ png: pngBase64(greyImage(levels, SIDE, 1)) });
      expect(maxAbsDifference(fromPng.probabilities, fromPixels.probabilities)).toBeLessThanOrEqual(TOLERANCE);
      expect(fromPng.digit).toBe(test.labels[i]);
      const large = await classify({ png: pngBase64(greyImage(levels, SIDE, 10)) });
      expect(large.digit).toBe(test.labels[i]);
    }
  });

  const blank = (scale: number) => pngBase64(greyImage(new Uint8Array(PIXELS), SIDE, scale));
  it.each([
    ["pixels of the wrong length", { pixels: new Array(783).fill(0) }, "invalid_input", /^pixels: expected 784/],
    ["grey levels as 0-255, not [0, 1]", { pixels: new Array(784).fill(255) }, "invalid_input", /^pixels\.0: /],
    ["pixels and a PNG at once", { pixels: new Array(784).fill(0), png: blank(1) }, "invalid_input", /Unrecognized/],
    ["a file that is not a PNG", { png: btoa("GIF89a not a png at all") }, "invalid_image", /^png: not a PNG/],
    ["a PNG larger than 512x512", { png: blank(20) }, "image_too_large", /^png: PNG is 560x560/],
  ])("refuses %s: 400", async (_, body, code, message) => {
    const response = await postJson(worker, "/v1/functions/digits", body);
    expect(response.status).toBe(400);
    const refusal = (await response.json()) as { code: string; error: string };
    expect(refusal.code).toBe(code);
    expect(refusal.error).toMatch(message);
  });

  it("refuses OIP batches over 64 and rows that are not 784 wide: 400", async () => {
    const infer = (shape: number[]) =>
      postJson(worker, "/v2/models/digits/infer", {
        inputs: [{ name: "x", datatype: "FP32", shape, data: new Array(shape[0] * shape[1]).fill(0) }],
      });
    const tooMany = await infer([BATCH + 1, PIXELS]);
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ code: "dimension_out_of_range" });
    expect((await infer([1, PIXELS - 1])).status).toBe(400);
  });
});

/** Grey levels as an RGB image, each pixel repeated `scale` times across and down. */
function greyImage(levels: Uint8Array, side: number, scale: number): TestImage {
  const width = side * scale;
  const rgb = new Uint8Array(width * width * 3);
  for (let y = 0; y < width; y++)
    for (let x = 0; x < width; x++) {
      const level = levels[Math.floor(y / scale) * side + Math.floor(x / scale)];
      rgb.fill(level, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  return { width, height: width, rgb };
}
