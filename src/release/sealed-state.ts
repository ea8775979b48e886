/**
 * Recurrent state (vad's 256 floats) leaves `/v1` sealed: an opaque token, encrypted and
 * authenticated, that only this worker can open, only for the caller and function it was issued
 * to, and only for a short while. The client passes it back with its next frame as it would the
 * floats; it cannot read the model's hidden state, forge one, or replay another caller's.
 *
 * A token is base64url of
 *
 *   version (1 byte, 1) | key id (8) | expiry (ms since the epoch, uint64 big-endian)
 *     | salt (16) | nonce (12) | AES-256-GCM ciphertext of the float32 values, with its 16-byte tag
 *
 * The associated data is the first 17 bytes (version, key id, expiry) followed by the JSON of
 * [principal digest, function, model id, model version, model sha256]: a token issued to another
 * principal, for another function or model, or with an altered expiry does not open. Each token is
 * encrypted under a key of its own, HKDF-SHA256(STATE_KEY, salt): a stream seals 31 tokens a
 * second, and random nonces under one key are only safe for 2^32 messages.
 */
import { InvalidState } from "../errors";
import { base64url } from "../models/base64url";
import type { StateKey } from "./state-key";

const VERSION = 1;
const HEADER_BYTES = 1 + 8 + 8;
const SALT_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** What a token is bound to: whose it is, and which function and model made the state. */
export interface StateBinding {
  principal: string;
  fn: string;
  model: { id: string; version: string; sha256: string };
}

export async function sealState(
  key: StateKey,
  binding: StateBinding,
  values: Float32Array,
  now = Date.now(),
): Promise<string> {
  const header = new Uint8Array(HEADER_BYTES);
  header[0] = VERSION;
  header.set(key.id, 1);
  new DataView(header.buffer).setBigUint64(9, BigInt(now + key.lifetimeMs));
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const plaintext = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: nonce, additionalData: associatedData(header, binding) },
    await tokenKey(key, salt),
    plaintext,
  );
  return base64url.encode(concat(header, salt, nonce, new Uint8Array(ciphertext)));
}

/** The `length` floats sealed in `token`, or a 400 `invalid_state` saying what kind of problem it was. */
export async function openState(
  key: StateKey,
  binding: StateBinding,
  token: string,
  length: number,
  now = Date.now(),
): Promise<Float32Array> {
  const bytes = base64url.decodeStrict(token);
  const size = HEADER_BYTES + SALT_BYTES + NONCE_BYTES + 4 * length + TAG_BYTES;
  if (!bytes || bytes.length !== size || bytes[0] !== VERSION)
    throw new InvalidState("state is not a state token this service issued");
  const header = bytes.subarray(0, HEADER_BYTES);
  if (!equal(header.subarray(1, 9), key.id))
    throw new InvalidState("state was sealed under a key this service no longer uses; send the frame without state");
  const salt = bytes.subarray(HEADER_BYTES, HEADER_BYTES + SALT_BYTES);
  const nonce = bytes.subarray(HEADER_BYTES + SALT_BYTES, HEADER_BYTES + SALT_BYTES + NONCE_BYTES);
  let plaintext: ArrayBuffer;
  try {
    plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: nonce, additionalData: associatedData(header, binding) },
      await tokenKey(key, salt),
      bytes.subarray(HEADER_BYTES + SALT_BYTES + NONCE_BYTES),
    );
  } catch {
    throw new InvalidState("state was not issued to this caller for this function and model, or was altered");
  }
  // Checked once the expiry is known to be the one sealed.
  const expiry = Number(new DataView(header.buffer, header.byteOffset).getBigUint64(9));
  if (now > expiry) throw new InvalidState("state has expired; send the frame without state to start again");
  return new Float32Array(plaintext);
}

function associatedData(header: Uint8Array, { principal, fn, model }: StateBinding): Uint8Array {
  const bound = JSON.stringify([principal, fn, model.id, model.version, model.sha256]);
  return concat(header, new TextEncoder().encode(bound));
}

async function tokenKey(key: StateKey, salt: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt, info: new TextEncoder().encode("bastion sealed state v1") },
    key.material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
