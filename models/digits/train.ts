/**
 * The recipe for the `digits` model: split the mnist package's digits (seeded), train the
 * perceptron with tfjs, export it to ONNX, and check the export against the trainer and the test
 * split. Deterministic: the same source (dataset and seed) on the same Node and packages gives
 * the same bytes, which the manifest pins like any downloaded model's.
 */
import type { RecipeSource } from "../../src/models/manifest";
import { loadDigits, type Samples } from "./dataset";
import { exportOnnx } from "./export-onnx";
import { type TrainedMlp, trainMlp } from "./mlp";
import { type Evaluation, verifyExport } from "./verify";

export interface TrainedModel {
  onnx: Uint8Array;
  evaluation: Evaluation;
}

export async function train(source: RecipeSource): Promise<TrainedModel> {
  const { train: trainSplit, test } = loadDigits(source.dataset, source.seed);
  return exportVerified(await trainMlp(trainSplit, test, source.seed), source, test);
}

/** The trained network as ONNX, checked against the trainer on the test split (any recipe here). */
export async function exportVerified(mlp: TrainedMlp, source: RecipeSource, test: Samples): Promise<TrainedModel> {
  const onnx = exportOnnx(mlp, {
    recipe: source.recipe,
    dataset: `${source.dataset.package}@${source.dataset.packageVersion}`,
    seed: String(source.seed),
  });
  return { onnx, evaluation: await verifyExport(onnx, mlp.probabilities, test) };
}
