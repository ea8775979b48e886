/**
 * The model signatures in the repository (run in Node by `npm run models`, `npm start` and the
 * tests): one Sigstore bundle per manifest in models/signing/<id>@<version>.sig, SLSA provenance
 * for each model this project trains in <id>@<version>.provenance.sig, the public keys this
 * project trusts in trusted-keys.json (bundled into the worker as well) and the builders whose
 * provenance it accepts in trusted-builders.json. Signing needs the release key, which is never in
 * the repository (README, Signed models).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { SigstoreBundle } from "../src/governance/bundle";
import { importTrustedKeys, type SigningKey, type TrustedKeys } from "../src/governance/keys";
import { signModel, subjectName, verifyModelSignature } from "../src/governance/model-signature";
import { type BuildRecord, signProvenance, verifyProvenance } from "../src/governance/provenance";
import type { ModelManifest, RecipeSource } from "../src/models/manifest";
import { recipeInputs, trainedModel } from "./trained";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SIGNING_DIR = path.join(ROOT, "models", "signing");
export const TRUSTED_KEYS_FILE = path.join(SIGNING_DIR, "trusted-keys.json");
export const TRUSTED_BUILDERS_FILE = path.join(SIGNING_DIR, "trusted-builders.json");
/** This CLI, run by whoever holds the release key, as SLSA names a builder. */
export const BUILDER_ID = "urn:bastion:builder:models-cli:v1";

export function signaturePath(manifest: Pick<ModelManifest, "id" | "version">): string {
  return path.join(SIGNING_DIR, `${subjectName(manifest)}.sig`);
}

/** The manifest's signature file, or undefined when there is none. */
export async function readSignature(manifest: ModelManifest): Promise<string | undefined> {
  return readFile(signaturePath(manifest), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
}

export async function readTrustedKeys(): Promise<TrustedKeys> {
  return importTrustedKeys(JSON.parse(await readFile(TRUSTED_KEYS_FILE, "utf8")));
}

/** Verifies a signature's text (undefined: none) against the trusted keys; throws SignatureInvalid. */
export async function checkSignature(manifest: ModelManifest, signature: string | undefined) {
  return verifyModelSignature(signature, manifest, await readTrustedKeys());
}

/** Verifies the manifest's committed signature file; throws SignatureInvalid naming why. */
export async function checkCommittedSignature(manifest: ModelManifest) {
  return checkSignature(manifest, await readSignature(manifest));
}

export async function writeSignature(manifest: ModelManifest, key: SigningKey): Promise<string> {
  return writeBundle(signaturePath(manifest), await signModel(manifest, key));
}

export function provenancePath(manifest: Pick<ModelManifest, "id" | "version">): string {
  return path.join(SIGNING_DIR, `${subjectName(manifest)}.provenance.sig`);
}

/**
 * Signs SLSA provenance for a trained model, from this checkout (whose recipe must be committed),
 * once the model this machine trained from it is the one the manifest pins.
 */
export async function writeProvenance(manifest: ModelManifest, source: RecipeSource, key: SigningKey) {
  const { bytes } = await trainedModel(manifest.id, source);
  const digest = createHash("sha256").update(bytes).digest("hex");
  if (digest !== manifest.sha256)
    throw new Error(`${source.recipe} trained ${digest} here, not the ${manifest.sha256} the manifest pins`);
  return writeBundle(provenancePath(manifest), await signProvenance(manifest, source, await buildRecord(source), key));
}

/** Verifies a trained model's provenance, against the recipe as it is in this checkout. */
export async function checkProvenance(manifest: ModelManifest, source: RecipeSource) {
  const text = await readFile(provenancePath(manifest), "utf8").catch(() => undefined);
  const builders = z
    .object({ builders: z.array(z.object({ id: z.string(), note: z.string() })) })
    .parse(JSON.parse(await readFile(TRUSTED_BUILDERS_FILE, "utf8")))
    .builders.map((b) => b.id);
  const checkout = await recipeFiles(source);
  return verifyProvenance(text, manifest, source, await readTrustedKeys(), builders, checkout);
}

async function buildRecord(source: RecipeSource): Promise<BuildRecord> {
  const directory = path.dirname(source.recipe);
  const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
  if (git("status", "--porcelain", "--", directory) !== "")
    throw new Error(`${directory} has uncommitted changes: commit the recipe before recording its provenance`);
  const lock = JSON.parse(await readFile(path.join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version: string; integrity: string }>;
  };
  const { packages } = await recipeInputs(source);
  return {
    builderId: BUILDER_ID,
    recipeCommit: git("log", "-1", "--format=%H", "--", directory),
    recipeFiles: await recipeFiles(source),
    packages: packages.map(({ name, version }) => {
      const integrity = lock.packages[`node_modules/${name}`]?.integrity ?? "";
      if (!integrity.startsWith("sha512-")) throw new Error(`package-lock.json has no sha512 integrity for ${name}`);
      return { name, version, sha512: Buffer.from(integrity.slice("sha512-".length), "base64").toString("hex") };
    }),
    node: process.version,
  };
}

async function recipeFiles(source: RecipeSource) {
  const { files } = await recipeInputs(source);
  return files.map((f) => ({ path: f.path, sha256: createHash("sha256").update(f.text).digest("hex") }));
}

async function writeBundle(file: string, bundle: SigstoreBundle): Promise<string> {
  await writeFile(file, `${JSON.stringify(bundle, null, 2)}\n`);
  return file;
}
