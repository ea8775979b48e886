/**
 * The recipe for encrypted model artifacts (run in Node by `npm run models`, and by `npm start`
 * and the tests): read the plaintext from its npm package, or train it with the model's own recipe
 * (cached on this machine, see trained.ts), check it against the manifest, make the variants Bastion
 * serves (optimise.ts) and check each against its pinned digest, encrypt each under the keyring's
 * current key, and store the ciphertexts and their envelopes in the bucket. Plaintext is never
 * written anywhere but that cache (and, for a moment, the optimiser's temporary directory).
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Envelope, encryptModel, parseEnvelope, rewrapDataKey } from "../src/models/envelope";
import type { Keyring } from "../src/models/keyring";
import {
  artifactKeys,
  type ModelManifest,
  type ModelMetrics,
  type ModelVariant,
  type PackageSource,
  parseManifest,
  type RecipeSource,
  signatureKey,
  variantIdentity,
} from "../src/models/manifest";
import { buildVariant } from "./optimise";
import { checkSignature, readSignature } from "./signing";
import { trainedModel } from "./trained";

const MODELS_DIR = path.dirname(fileURLToPath(import.meta.url));

/** The part of an R2 bucket the recipe uses: a local Miniflare bucket or a remote one. */
export interface ArtifactBucket {
  get(key: string): Promise<{ text(): Promise<string> } | null>;
  put(key: string, value: Uint8Array | string, options?: { customMetadata?: Record<string, string> }): Promise<unknown>;
}

export async function readManifests(): Promise<ModelManifest[]> {
  const files = (await readdir(MODELS_DIR)).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(
    files.map(async (f) => parseManifest(JSON.parse(await readFile(path.join(MODELS_DIR, f), "utf8")))),
  );
}

/**
 * The plaintext, from its npm package or from the recipe that trains it (trained first if this
 * machine has not yet), refused unless its size and SHA-256 match the manifest.
 */
export async function readPlaintext(manifest: ModelManifest): Promise<Uint8Array> {
  const { source } = manifest;
  const read = "recipe" in source ? await readTrained(manifest.id, source) : await readPackaged(source);
  const digest = createHash("sha256").update(read.bytes).digest("hex");
  if (digest !== manifest.sha256 || read.bytes.byteLength !== manifest.bytes) {
    throw new Error(
      `${read.origin} has SHA-256 ${digest} (${read.bytes.byteLength} bytes); ` +
        `the manifest for ${manifest.id}@${manifest.version} pins ${manifest.sha256} (${manifest.bytes} bytes)`,
    );
  }
  // A trained model also answers for its card: the metrics it states must be the ones measured.
  const stated = manifest.card.metrics;
  if ("metrics" in read && !sameMetrics(stated, read.metrics)) {
    throw new Error(
      `the model card of ${manifest.id}@${manifest.version} states ${JSON.stringify(stated)}; ${read.origin} measured ${JSON.stringify(read.metrics)}`,
    );
  }
  return read.bytes;
}

async function readPackaged(source: PackageSource) {
  const packageDir = (createRequire(import.meta.url).resolve.paths(source.package) ?? [])
    .map((dir) => path.join(dir, source.package))
    .find((dir) => existsSync(dir));
  if (!packageDir) throw new Error(`package ${source.package} is not installed (npm ci)`);
  const bytes = new Uint8Array(await readFile(path.join(packageDir, source.path)));
  return { bytes, origin: `${source.package}/${source.path}` };
}

async function readTrained(id: string, source: RecipeSource) {
  const { bytes, metrics } = await trainedModel(id, source);
  const origin = `the model ${source.recipe} trained (seed ${source.seed}; test accuracy ${metrics.testAccuracy} on ${metrics.testSamples} samples)`;
  return { bytes, metrics, origin };
}

function sameMetrics(a: ModelMetrics | undefined, b: ModelMetrics): boolean {
  return a?.testAccuracy === b.testAccuracy && a.testSamples === b.testSamples;
}

export async function readEnvelope(
  bucket: ArtifactBucket,
  manifest: ModelManifest,
  variant: ModelVariant,
): Promise<Envelope | undefined> {
  const object = await bucket.get(artifactKeys(manifest, variant).envelope);
  return object ? parseEnvelope(await object.text()) : undefined;
}

/** What building did to each variant: (re-)encrypted it, or found it in the bucket already. */
export type BuildOutcome = Record<string, "encrypted" | "up-to-date">;

/**
 * Makes, encrypts and stores each variant of one model (models/optimise.ts) unless the bucket
 * already holds it for the same digest under a key the keyring has (`force` re-encrypts anyway,
 * with fresh data keys), and publishes its signature beside them. A model whose signature
 * (`signature`, default its file in models/signing/) does not verify against the trusted keys is
 * refused before anything is read or written (SignatureInvalid names why). A variant whose
 * bytes differ from the digest its manifest pins is refused: a changed onnxruntime-node or model
 * needs its digests pinned anew (`npm run models -- variants` prints them) and signing again.
 */
export async function buildArtifact(
  bucket: ArtifactBucket,
  manifest: ModelManifest,
  keyring: Keyring,
  options: { force?: boolean; signature?: string | undefined } = {},
): Promise<BuildOutcome> {
  const signature = "signature" in options ? options.signature : await readSignature(manifest);
  await checkSignature(manifest, signature);
  // Written only when it differs, so a second build writes nothing at all.
  const published = await bucket.get(signatureKey(manifest));
  if ((await published?.text()) !== signature) await bucket.put(signatureKey(manifest), signature as string);
  const outcome: BuildOutcome = {};
  const stale: ModelVariant[] = [];
  for (const variant of manifest.variants) {
    const existing = await readEnvelope(bucket, manifest, variant).catch(() => undefined);
    const current = existing?.model.sha256 === variant.sha256 && keyring.kids.includes(existing.kid);
    if (!options.force && current) outcome[variant.name] = "up-to-date";
    else stale.push(variant);
  }
  if (stale.length === 0) return outcome;
  const plaintext = await readPlaintext(manifest);
  for (const variant of stale) {
    const bytes = await checkedVariant(plaintext, manifest, variant);
    const { envelope, ciphertext } = await encryptModel(bytes, variantIdentity(manifest, variant), keyring.current);
    const keys = artifactKeys(manifest, variant);
    const customMetadata = {
      model: manifest.id,
      version: manifest.version,
      variant: variant.name,
      sha256: variant.sha256,
      kid: envelope.kid,
    };
    // Ciphertext first: an envelope never points at weights that are not there yet.
    await bucket.put(keys.ciphertext, ciphertext, { customMetadata });
    await bucket.put(keys.envelope, JSON.stringify(envelope, null, 2), { customMetadata });
    outcome[variant.name] = "encrypted";
  }
  return outcome;
}

/** A variant's bytes, refused unless they match the digest and size its manifest pins. */
export async function checkedVariant(plaintext: Uint8Array, manifest: ModelManifest, variant: ModelVariant) {
  const bytes = await buildVariant(plaintext, manifest, variant);
  const digest = createHash("sha256").update(bytes).digest("hex");
  if (digest !== variant.sha256 || bytes.byteLength !== variant.bytes) {
    throw new Error(
      `variant ${variant.name} of ${manifest.id}@${manifest.version} came out with SHA-256 ${digest} ` +
        `(${bytes.byteLength} bytes); the manifest pins ${variant.sha256} (${variant.bytes} bytes)`,
    );
  }
  return bytes;
}

export type RotateOutcome = { from: string; to: string } | "already-current" | "missing";

/** Re-wraps each variant's data key under `to` (default: the keyring's current key). */
export async function rotateArtifact(
  bucket: ArtifactBucket,
  manifest: ModelManifest,
  keyring: Keyring,
  to = keyring.current.kid,
): Promise<Record<string, RotateOutcome>> {
  const outcomes: Record<string, RotateOutcome> = {};
  for (const variant of manifest.variants) {
    const envelope = await readEnvelope(bucket, manifest, variant);
    if (!envelope) outcomes[variant.name] = "missing";
    else if (envelope.kid === to) outcomes[variant.name] = "already-current";
    else {
      const rewrapped = await rewrapDataKey(envelope, keyring.get(envelope.kid).key, keyring.get(to));
      await bucket.put(artifactKeys(manifest, variant).envelope, JSON.stringify(rewrapped, null, 2));
      outcomes[variant.name] = { from: envelope.kid, to };
    }
  }
  return outcomes;
}
