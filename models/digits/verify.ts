/**
 * The checks between training and the cache: onnxruntime-node must give the trainer's
 * probabilities on the held-out digits (so the export is the network that was trained), and the
 * network must be good enough to be worth serving. A model that fails either is never written.
 */
import * as ort from "onnxruntime-node";
import type { ModelMetrics } from "../../src/models/manifest";
import { CLASSES, PIXELS, type Samples } from "./dataset";
import { INPUT, OUTPUT } from "./export-onnx";

/** Float32 softmax from two runtimes: they differ only in summation order, far below this. */
const MAX_DIFFERENCE = 1e-5;
export const MIN_TEST_ACCURACY = 0.88;

export interface Evaluation extends ModelMetrics {
  /** Largest |onnxruntime-node - tfjs| over every probability of every test digit. */
  maxDifference: number;
}

export async function verifyExport(onnx: Uint8Array, trainer: Float32Array, test: Samples): Promise<Evaluation> {
  const session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const { [OUTPUT]: output } = await session.run({ [INPUT]: new ort.Tensor("float32", test.x, [test.count, PIXELS]) });
  await session.release();
  const probabilities = output.data as Float32Array;
  let maxDifference = 0;
  for (let i = 0; i < probabilities.length; i++)
    maxDifference = Math.max(maxDifference, Math.abs(probabilities[i] - trainer[i]));
  if (!(maxDifference <= MAX_DIFFERENCE))
    throw new Error(`onnxruntime-node differs from tfjs by up to ${maxDifference} (at most ${MAX_DIFFERENCE})`);
  const testAccuracy = accuracy(probabilities, test.labels);
  if (testAccuracy < MIN_TEST_ACCURACY)
    throw new Error(`test accuracy ${testAccuracy} is below ${MIN_TEST_ACCURACY}: not written`);
  return { testAccuracy, testSamples: test.count, maxDifference };
}

/** The share of rows whose most probable class is the label. */
export function accuracy(probabilities: Float32Array, labels: Uint8Array): number {
  let correct = 0;
  for (let row = 0; row < labels.length; row++) {
    const scores = probabilities.subarray(row * CLASSES, (row + 1) * CLASSES);
    if (scores.indexOf(Math.max(...scores)) === labels[row]) correct++;
  }
  return correct / labels.length;
}
