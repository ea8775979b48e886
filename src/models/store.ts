/**
 * Reads one variant of a model's encrypted artifact from the `MODELS` bucket and returns its
 * verified plaintext.
 * The plaintext exists only in this isolate's memory, only until ORT has its own copy.
 */
import { ModelIntegrityFailed, ModelUnavailable } from "../errors";
import { ciphertextLength, type DecryptTimings, decryptModel, parseEnvelope } from "./envelope";
import type { Keyring } from "./keyring";
import { artifactKeys, type ModelManifest, type ModelVariant, variantIdentity } from "./manifest";

export interface DecryptedModel {
  plaintext: Uint8Array;
  /** The key-encryption key that opened it, for the audit log. */
  kid: string;
  timings: DecryptTimings;
}

export async function loadDecryptedModel(
  bucket: R2Bucket,
  manifest: ModelManifest,
  keyring: Keyring,
  variant: ModelVariant,
): Promise<DecryptedModel> {
  const keys = artifactKeys(manifest, variant);
  const identity = variantIdentity(manifest, variant);
  const timings: DecryptTimings = { readMs: 0, decryptMs: 0 };
  const started = performance.now();
  const envelopeObject = await getObject(bucket, keys.envelope, manifest);
  const envelope = parseEnvelope(await envelopeObject.text());
  const kek = keyring.get(envelope.kid);
  const ciphertext = await getObject(bucket, keys.ciphertext, manifest);
  timings.readMs += performance.now() - started;
  if (ciphertext.size !== ciphertextLength(identity.bytes, envelope.chunkBytes)) {
    await ciphertext.body.cancel();
    throw new ModelIntegrityFailed(`stored model ${manifest.id}@${manifest.version} has the wrong length`);
  }
  const plaintext = await decryptModel(envelope, ciphertext.body, identity, kek.key, timings);
  return { plaintext, kid: kek.kid, timings };
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
