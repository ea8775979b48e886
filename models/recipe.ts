/**
 * The recipe for encrypted model artifacts (run in Node by `npm run models`, and by `npm start`
 * and the tests): read the plaintext from its npm package, check it against the manifest, encrypt
 * it under the keyring's current key, and store the ciphertext and its envelope in the bucket.
 * Plaintext is never written anywhere.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Envelope, encryptModel, parseEnvelope, rewrapDataKey } from "../src/models/envelope";
import type { Keyring } from "../src/models/keyring";
import { artifactKeys, type ModelManifest, parseManifest } from "../src/models/manifest";

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

/** The plaintext from the manifest's npm package, refused unless its size and SHA-256 match. */
export async function readPlaintext(manifest: ModelManifest): Promise<Uint8Array> {
  const packageDir = (createRequire(import.meta.url).resolve.paths(manifest.source.package) ?? [])
    .map((dir) => path.join(dir, manifest.source.package))
    .find((dir) => existsSync(dir));
  if (!packageDir) throw new Error(`package ${manifest.source.package} is not installed (npm ci)`);
  const bytes = new Uint8Array(await readFile(path.join(packageDir, manifest.source.path)));
  const digest = createHash("sha256").update(bytes).digest("hex");
  if (digest !== manifest.sha256 || bytes.byteLength !== manifest.bytes) {
    throw new Error(
      `${manifest.source.package}/${manifest.source.path} has SHA-256 ${digest} (${bytes.byteLength} bytes); ` +
        `the manifest for ${manifest.id}@${manifest.version} pins ${manifest.sha256} (${manifest.bytes} bytes)`,
    );
  }
  return bytes;
}

export async function readEnvelope(bucket: ArtifactBucket, manifest: ModelManifest): Promise<Envelope | undefined> {
  const object = await bucket.get(artifactKeys(manifest).envelope);
  return object ? parseEnvelope(await object.text()) : undefined;
}

export type BuildOutcome = "encrypted" | "up-to-date";

/**
 * Encrypts and stores one model unless the bucket already holds it for the same digest under a
 * key the keyring has (`force` re-encrypts anyway, with a fresh data key).
 */
export async function buildArtifact(
  bucket: ArtifactBucket,
  manifest: ModelManifest,
  keyring: Keyring,
  options: { force?: boolean } = {},
): Promise<BuildOutcome> {
  const existing = await readEnvelope(bucket, manifest).catch(() => undefined);
  if (!options.force && existing?.model.sha256 === manifest.sha256 && keyring.kids.includes(existing.kid)) {
    return "up-to-date";
  }
  const plaintext = await readPlaintext(manifest);
  const { envelope, ciphertext } = await encryptModel(plaintext, manifest, keyring.current);
  const keys = artifactKeys(manifest);
  const customMetadata = { model: manifest.id, version: manifest.version, sha256: manifest.sha256, kid: envelope.kid };
  // Ciphertext first: an envelope never points at weights that are not there yet.
  await bucket.put(keys.ciphertext, ciphertext, { customMetadata });
  await bucket.put(keys.envelope, JSON.stringify(envelope, null, 2), { customMetadata });
  return "encrypted";
}

export type RotateOutcome = { from: string; to: string } | "already-current" | "missing";

/** Re-wraps one model's data key under `to` (default: the keyring's current key). */
export async function rotateArtifact(
  bucket: ArtifactBucket,
  manifest: ModelManifest,
  keyring: Keyring,
  to = keyring.current.kid,
): Promise<RotateOutcome> {
  const envelope = await readEnvelope(bucket, manifest);
  if (!envelope) return "missing";
  if (envelope.kid === to) return "already-current";
  const rewrapped = await rewrapDataKey(envelope, keyring.get(envelope.kid).key, keyring.get(to));
  await bucket.put(artifactKeys(manifest).envelope, JSON.stringify(rewrapped, null, 2));
  return { from: envelope.kid, to };
}
