/**
 * Encrypting a Fernet token with WebCrypto alone (AES-CBC pads with PKCS #7 itself), so it runs
 * in workerd and Node alike. No npm Fernet package is used: none is maintained that runs on
 * WebCrypto in workerd (`fernet` 0.4 builds on crypto-js 3.1 and defaults to a 60-second ttl).
 */
import { encodePadded } from "./base64";
import type { FernetKey, FernetKeyring } from "./keys";
import { HEADER_BYTES, IV_BYTES, unixSeconds, VERSION } from "./token";

export interface EncryptOptions {
  /** The token's timestamp. Default: now. */
  now?: Date;
  /**
   * The IV. Default: 16 random bytes, as the spec requires (a unique IV per token). Fixed only
   * to reproduce the spec's generate vectors.
   */
  iv?: Uint8Array;
}

/** `plaintext` as a token under the keyring's first key (`MultiFernet.encrypt`). */
export function encryptFernet(keys: FernetKeyring, plaintext: Uint8Array, options: EncryptOptions = {}) {
  return encryptWith(keys[0], plaintext, unixSeconds(options.now ?? new Date()), options.iv);
}

/** A token with the given timestamp in seconds (rotation keeps the original one). */
export async function encryptWith(
  key: FernetKey,
  plaintext: Uint8Array,
  timestamp: number,
  iv: Uint8Array = crypto.getRandomValues(new Uint8Array(IV_BYTES)),
): Promise<string> {
  if (iv.length !== IV_BYTES) throw new RangeError(`a Fernet IV is ${IV_BYTES} bytes`);
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, key.encryption, plaintext));
  const signed = new Uint8Array(HEADER_BYTES + ciphertext.length);
  const view = new DataView(signed.buffer);
  view.setUint8(0, VERSION);
  view.setBigUint64(1, BigInt(timestamp));
  signed.set(iv, 9);
  signed.set(ciphertext, HEADER_BYTES);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key.signing, signed));
  const token = new Uint8Array(signed.length + mac.length);
  token.set(signed);
  token.set(mac, signed.length);
  return encodePadded(token);
}
