/**
 * Reads one variant of a model's encrypted artifact from the `MODELS` bucket and returns its
 * verified plaintext: the model's signature (published beside it) must verify against the bundled
 * trusted keys and cover this manifest, and the plaintext must match the digest the manifest pins.
 * The plaintext exists only in this isolate's memory, only until ORT has its own copy.
 */
import { ModelIntegrityFailed, ModelUnavailable } from "../errors";
import { SignatureInvalid } from "../governance/bundle";
import type { TrustedKeys } from "../governance/keys";
import { type VerifiedModelSignature, verifyModelSignature } from "../governance/model-signature";
import { ciphertextLength, type DecryptTimings, decryptModel, parseEnvelope } from "./envelope";
import type { Keyring } from "./keyring";
import { artifactKeys, type ModelManifest, type ModelVariant, signatureKey, variantIdentity } from "./manifest";

export interface DecryptedModel {
  plaintext: Uint8Array;
  /** The key-encryption key that opened it, for the audit log. */
  kid: string;
  /** Who signed the model, and the model-signing subject digest. */
  signature: VerifiedModelSignature;
  timings: DecryptTimings;
}

export async function loadDecryptedModel(
  bucket: R2Bucket,
  manifest: ModelManifest,
  keyring: Keyring,
  variant: ModelVariant,
  trusted: TrustedKeys,
): Promise<DecryptedModel> {
  const keys = artifactKeys(manifest, variant);
  const identity = variantIdentity(manifest, variant);
  const timings: DecryptTimings = { readMs: 0, decryptMs: 0 };
  const started = performance.now();
  const [signatureText, envelopeObject] = await Promise.all([
    readSignature(bucket, manifest),
    getObject(bucket, keys.envelope, manifest),
  ]);
  const signature = await verifyModelSignature(signatureText, manifest, trusted).catch((error: unknown) => {
    if (!(error instanceof SignatureInvalid)) throw error;
    const model = `${manifest.id}@${manifest.version}`;
    console.error(JSON.stringify({ event: "model_signature_refused", model, reason: error.reason }));
    throw new ModelIntegrityFailed(`model ${model} failed its signature check (${error.message})`);
  });
  const envelope = parseEnvelope(await envelopeObject.text());
  const kek = keyring.get(envelope.kid);
  const ciphertext = await getObject(bucket, keys.ciphertext, manifest);
  timings.readMs += performance.now() - started;
  if (ciphertext.size !== ciphertextLength(identity.bytes, envelope.chunkBytes)) {
    await ciphertext.body.cancel();
    throw new ModelIntegrityFailed(`stored model ${manifest.id}@${manifest.version} has the wrong length`);
  }
  const plaintext = await decryptModel(envelope, ciphertext.body, identity, kek.key, timings);
  return { plaintext, kid: kek.kid, signature, timings };
}

/** The model's published signature, or undefined when storage has none. */
async function readSignature(bucket: R2Bucket, manifest: ModelManifest): Promise<string | undefined> {
  try {
    return (await bucket.get(signatureKey(manifest)))?.text();
  } catch {
    throw new ModelUnavailable("model storage could not be read");
  }
}

async function getObject(bucket: R2Bucket, key: string, manifest: ModelManifest): Promise<R2ObjectBody> {
  let object: R2ObjectBody | null;
  try {
    object = await bucket.get(key);
  } catch {
    throw new ModelUnavailable("model storage could not be read");
  }
  if (!object) throw new ModelUnavailable(`model ${manifest.id}@${manifest.version} is not in storage`);
  return object;
}
