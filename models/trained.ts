/**
 * Models this project trains (a manifest whose source is a recipe) are cached on this machine,
 * never committed: `.cache/models/<id>-<key>.onnx`, with the recipe's evaluation beside it. The key
 * hashes everything the bytes depend on: the recipe directory's source files, the manifest's
 * source (dataset and seed), Node's version and the installed versions of the packages the recipe
 * imports. So `npm start`, the tests and `npm run models` train at most once per machine, and
 * again only when one of those changes.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ModelMetrics, RecipeSource } from "../src/models/manifest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CACHE_DIR = path.join(ROOT, ".cache", "models");

/** What a recipe module (`source.recipe`) exports. */
interface Recipe {
  train(source: RecipeSource): Promise<{ onnx: Uint8Array; evaluation: ModelMetrics }>;
}

export interface TrainedModel {
  bytes: Uint8Array;
  /** What the recipe measured on its test split. */
  metrics: ModelMetrics;
}

/** The cached model for this source, trained first if the cache lacks it. */
export async function trainedModel(id: string, source: RecipeSource): Promise<TrainedModel> {
  const base = path.join(CACHE_DIR, `${id}-${await cacheKey(source)}`);
  if (!existsSync(`${base}.onnx`)) await trainInto(base, source);
  const { testAccuracy, testSamples } = JSON.parse(await readFile(`${base}.json`, "utf8")) as ModelMetrics;
  return { bytes: new Uint8Array(await readFile(`${base}.onnx`)), metrics: { testAccuracy, testSamples } };
}

async function trainInto(base: string, source: RecipeSource) {
  console.error(`bastion: training ${source.recipe} (seed ${source.seed}), once per machine: about a minute`);
  const started = performance.now();
  const recipe = (await import(pathToFileURL(path.join(ROOT, source.recipe)).href)) as Recipe;
  const { onnx, evaluation } = await recipe.train(source);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  console.error(`bastion: trained in ${seconds} s, test accuracy ${evaluation.testAccuracy}`);
  await mkdir(CACHE_DIR, { recursive: true });
  // The evaluation first, and each file renamed into place whole: the .onnx appears last, so a reader
  // that sees it sees both, and two processes training at once both write the same bytes.
  const temporary = `.${process.pid}.tmp`;
  await writeFile(`${base}.json${temporary}`, `${JSON.stringify({ ...evaluation, seconds }, null, 2)}\n`);
  await rename(`${base}.json${temporary}`, `${base}.json`);
  await writeFile(`${base}.onnx${temporary}`, onnx);
  await rename(`${base}.onnx${temporary}`, `${base}.onnx`);
}

/** What a recipe's bytes depend on besides its source: its files, and the packages they import. */
export interface RecipeInputs {
  /** The recipe directory's source files, relative to the repository, with their text. */
  files: { path: string; text: string }[];
  /** The packages those files import, with their installed versions. */
  packages: { name: string; version: string }[];
}

/**
 * A recipe's directory imports nothing of this project but types (see models/digits/), so its
 * files and the packages they import are everything its code is.
 */
export async function recipeInputs(source: RecipeSource): Promise<RecipeInputs> {
  const directory = path.dirname(path.join(ROOT, source.recipe));
  const names = (await readdir(directory)).filter((f) => f.endsWith(".ts")).sort();
  const files = await Promise.all(
    names.map(async (name) => ({
      path: path.relative(ROOT, path.join(directory, name)),
      text: await readFile(path.join(directory, name), "utf8"),
    })),
  );
  const imported = new Set<string>();
  for (const { text } of files)
    for (const [, specifier] of text.matchAll(/from "([^".][^"]*)"/g))
      if (!specifier.startsWith("node:")) imported.add(packageName(specifier));
  const require = createRequire(import.meta.url);
  const packages = await Promise.all(
    [...imported].sort().map(async (name) => {
      const { version } = JSON.parse(await readFile(require.resolve(`${name}/package.json`), "utf8")) as {
        version: string;
      };
      return { name, version };
    }),
  );
  return { files, packages };
}

async function cacheKey(source: RecipeSource): Promise<string> {
  const { files, packages } = await recipeInputs(source);
  const hash = createHash("sha256").update(JSON.stringify(source)).update(process.version);
  for (const file of files) hash.update(path.basename(file.path)).update(file.text);
  for (const { name, version } of packages) hash.update(`${name}@${version}`);
  return hash.digest("hex").slice(0, 16);
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return parts.slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
}
