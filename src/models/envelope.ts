/**
 * Envelope encryption of model weights, with WebCrypto only (Node and workerd alike).
 *
 * Each artifact gets a fresh AES-256-GCM data key. The weights are encrypted in fixed-size chunks
 * (the STREAM construction: nonce = random prefix || chunk counter || last-chunk flag), so the
 * worker can decrypt while R2 streams and never holds the ciphertext and the plaintext whole at
 * the same time. The model's id, version, digest and size are bound into every chunk as additional
 * authenticated data. The data key is wrapped with AES-KW by a key-encryption key named by `kid`;
 * rotating that key re-wraps the data key and leaves the weights untouched.
 *
 * Written here rather than taken from a library: JWE (jose) would do the key wrap, but it is
 * one-shot and base64-encoded, which would hold about three copies of a model in memory at once.
 */
import { z } from "zod";
import { ModelIntegrityFailed, ModelKeyUnavailable } from "../errors";
import { base64url } from "./base64url";

export const ENVELOPE_FORMAT = "bastion-envelope/1";
export const DEFAULT_CHUNK_BYTES = 1 << 20;
const TAG_BYTES = 16;
const NONCE_PREFIX_BYTES = 7;

/** The facts about a model that the envelope must match; they come from the trusted manifest. */
export interface ModelIdentity {
  id: string;
  version: string;
  sha256: string;
  bytes: number;
}

const envelopeSchema = z.object({
  format: z.literal(ENVELOPE_FORMAT),
  model: z.object({ id: z.string(), version: z.string(), sha256: z.string(), bytes: z.number().int().positive() }),
  cipher: z.literal("A256GCM-STREAM"),
  chunkBytes: z
    .number()
    .int()
    .min(1 << 12)
    .max(1 << 24),
  noncePrefix: z.string().regex(/^[A-Za-z0-9_-]{10}$/), // 7 bytes
  keyWrap: z.literal("A256KW"),
  kid: z.string().min(1),
  wrappedKey: z.string().regex(/^[A-Za-z0-9_-]{54}$/), // a 256-bit key wrapped by AES-KW: 40 bytes
  wrappedAt: z.string(),
});

export type Envelope = z.infer<typeof envelopeSchema>;

/** A key-encryption key and the id it is known by in the keyring. */
export interface KeyEncryptionKey {
  kid: string;
  key: CryptoKey;
}

export function parseEnvelope(text: string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ModelIntegrityFailed("model envelope is not valid JSON");
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) throw new ModelIntegrityFailed("model envelope is malformed");
  return parsed.data;
}

export function ciphertextLength(plaintextBytes: number, chunkBytes: number): number {
  return plaintextBytes + chunkCount(plaintextBytes, chunkBytes) * TAG_BYTES;
}

export async function encryptModel(
  plaintext: Uint8Array,
  model: ModelIdentity,
  kek: KeyEncryptionKey,
  chunkBytes = DEFAULT_CHUNK_BYTES,
): Promise<{ envelope: Envelope; ciphertext: Uint8Array }> {
  if (plaintext.byteLength !== model.bytes)
    throw new Error(`plaintext is ${plaintext.byteLength} bytes, expected ${model.bytes}`);
  const dataKey = (await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"])) as CryptoKey;
  const noncePrefix = crypto.getRandomValues(new Uint8Array(NONCE_PREFIX_BYTES));
  const aad = additionalData(model, chunkBytes);
  const chunks = chunkCount(model.bytes, chunkBytes);
  const ciphertext = new Uint8Array(ciphertextLength(model.bytes, chunkBytes));
  for (let index = 0; index < chunks; index++) {
    const start = index * chunkBytes;
    const sealed = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: chunkNonce(noncePrefix, index, index === chunks - 1), additionalData: aad },
      dataKey,
      plaintext.subarray(start, Math.min(start + chunkBytes, model.bytes)),
    );
    ciphertext.set(new Uint8Array(sealed), start + index * TAG_BYTES);
  }
  const wrappedKey = new Uint8Array(await crypto.subtle.wrapKey("raw", dataKey, kek.key, "AES-KW"));
  const envelope: Envelope = {
    format: ENVELOPE_FORMAT,
    model: { id: model.id, version: model.version, sha256: model.sha256, bytes: model.bytes },
    cipher: "A256GCM-STREAM",
    chunkBytes,
    noncePrefix: base64url.encode(noncePrefix),
    keyWrap: "A256KW",
    kid: kek.kid,
    wrappedKey: base64url.encode(wrappedKey),
    wrappedAt: new Date().toISOString(),
  };
  return { envelope, ciphertext };
}

/** Time spent, in milliseconds, waiting for storage and decrypting, for cold-start breakdowns. */
export interface DecryptTimings {
  readMs: number;
  decryptMs: number;
}

/**
 * Decrypts a streamed artifact into one buffer of exactly `model.bytes` and checks its SHA-256.
 * At any moment it holds that buffer plus one chunk of ciphertext and one of plaintext.
 */
export async function decryptModel(
  envelope: Envelope,
  ciphertext: ReadableStream<Uint8Array>,
  model: ModelIdentity,
  kek: CryptoKey,
  timings: DecryptTimings = { readMs: 0, decryptMs: 0 },
): Promise<Uint8Array> {
  const { id, version, sha256, bytes } = envelope.model;
  if (id !== model.id || version !== model.version || sha256 !== model.sha256 || bytes !== model.bytes) {
    throw new ModelIntegrityFailed(`stored envelope does not describe ${model.id}@${model.version}`);
  }
  const dataKey = await unwrapDataKey(envelope, kek, false);
  const aad = additionalData(model, envelope.chunkBytes);
  const noncePrefix = base64url.decode(envelope.noncePrefix);
  const chunks = chunkCount(model.bytes, envelope.chunkBytes);
  const plaintext = new Uint8Array(model.bytes);
  let index = 0;
  for await (const sealed of fixedChunks(ciphertext, envelope.chunkBytes + TAG_BYTES, timings)) {
    if (index >= chunks) throw new ModelIntegrityFailed("stored model is longer than its manifest says");
    const started = performance.now();
    let opened: ArrayBuffer;
    try {
      opened = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: chunkNonce(noncePrefix, index, index === chunks - 1), additionalData: aad },
        dataKey,
        sealed,
      );
    } catch {
      throw new ModelIntegrityFailed(`stored model failed authentication at chunk ${index}`);
    }
    plaintext.set(new Uint8Array(opened), index * envelope.chunkBytes);
    timings.decryptMs += performance.now() - started;
    index++;
  }
  if (index !== chunks) throw new ModelIntegrityFailed("stored model is shorter than its manifest says");
  const started = performance.now();
  const digest = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", plaintext)));
  timings.decryptMs += performance.now() - started;
  if (digest !== model.sha256) throw new ModelIntegrityFailed("decrypted model does not match its manifest digest");
  return plaintext;
}

/** Re-wraps the data key under another key-encryption key; the weights stay as they are. */
export async function rewrapDataKey(envelope: Envelope, from: CryptoKey, to: KeyEncryptionKey): Promise<Envelope> {
  const dataKey = await unwrapDataKey(envelope, from, true);
  const wrappedKey = new Uint8Array(await crypto.subtle.wrapKey("raw", dataKey, to.key, "AES-KW"));
  return { ...envelope, kid: to.kid, wrappedKey: base64url.encode(wrappedKey), wrappedAt: new Date().toISOString() };
}

async function unwrapDataKey(envelope: Envelope, kek: CryptoKey, extractable: boolean): Promise<CryptoKey> {
  try {
    return await crypto.subtle.unwrapKey(
      "raw",
      base64url.decode(envelope.wrappedKey),
      kek,
      "AES-KW",
      { name: "AES-GCM", length: 256 },
      extractable,
      extractable ? ["encrypt", "decrypt"] : ["decrypt"],
    );
  } catch {
    // AES-KW's integrity check cannot tell a wrong key from a modified wrapped key.
    throw new ModelKeyUnavailable(
      `key "${envelope.kid}" cannot unwrap the model's data key (wrong key or altered envelope)`,
    );
  }
}

function chunkCount(plaintextBytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(plaintextBytes / chunkBytes));
}

function chunkNonce(prefix: Uint8Array, index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  nonce.set(prefix, 0);
  new DataView(nonce.buffer).setUint32(NONCE_PREFIX_BYTES, index);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function additionalData(model: ModelIdentity, chunkBytes: number): Uint8Array {
  return new TextEncoder().encode(
    [ENVELOPE_FORMAT, model.id, model.version, model.sha256, model.bytes, chunkBytes].join("\n"),
  );
}

/** Re-cuts a byte stream into pieces of exactly `size` bytes (the last may be shorter). */
async function* fixedChunks(
  stream: ReadableStream<Uint8Array>,
  size: number,
  timings: DecryptTimings,
): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let pending = new Uint8Array(size);
  let filled = 0;
  let finished = false;
  try {
    for (;;) {
      const started = performance.now();
      const { done, value } = await reader.read();
      timings.readMs += performance.now() - started;
      if (done) {
        finished = true;
        break;
      }
      let offset = 0;
      while (offset < value.byteLength) {
        const take = Math.min(size - filled, value.byteLength - offset);
        pending.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === size) {
          yield pending;
          pending = new Uint8Array(size);
          filled = 0;
        }
      }
    }
    if (filled > 0) yield pending.subarray(0, filled);
  } finally {
    // Stop the download when the consumer gives up early (a failed chunk, a too-long object).
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
