/**
 * Examples a model was not trained on, to attack: for the gate, and for `--heldout MODEL` on the
 * command line. Known for the models this repository trains (digits: its recipe's seeded test
 * split); a model from a package brings its own `--inputs`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ModelManifest, parseManifest } from "../models/manifest";
import type { Example } from "./run";

export const MODELS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "models");

/** The first `count` held-out examples of a model, with their labels. */
export type ExampleSource = (manifest: ModelManifest, count: number) => Promise<Example[]>;

/** The first `count` digits of the recipe's test split (stratified and seeded, so every prefix mixes all ten). */
async function digitsTestSplit({ source }: ModelManifest, count: number): Promise<Example[]> {
  if (!("recipe" in source)) throw new Error("digits is trained by its recipe");
  const { loadDigits, PIXELS } = await import("../../models/digits/dataset");
  const { test } = loadDigits(source.dataset, source.seed);
  return Array.from({ length: Math.min(count, test.count) }, (_, i) => ({
    data: test.x.slice(i * PIXELS, (i + 1) * PIXELS),
    label: test.labels[i],
  }));
}

export const HELD_OUT: Record<string, ExampleSource> = { digits: digitsTestSplit };

export async function heldOutExamples(model: string, count: number, dir = MODELS_DIR): Promise<Example[]> {
  const source = HELD_OUT[model];
  if (!source) throw new Error(`no held-out examples are known for ${model}: give --inputs`);
  const manifest = parseManifest(JSON.parse(await readFile(path.join(dir, `${model}.json`), "utf8")));
  return source(manifest, count);
}
