/**
 * Fernet keys: the url-safe base64 (padded) of 32 bytes, the first 16 the HMAC-SHA256 signing key
 * and the last 16 the AES-128 encryption key, as `Fernet.generate_key()` makes them. A keyring is
 * `FERNET_KEYS`' comma-separated list, used as Python's `MultiFernet` uses its list: the first key
 * encrypts, every key is tried in order to decrypt, so a new key goes first and the old one stays
 * second until its tokens are gone (or rotated).
 */
import { decodePadded, encodePadded } from "./base64";
import { FernetError } from "./errors";

const KEY_BYTES = 32;

export interface FernetKey {
  signing: CryptoKey;
  encryption: CryptoKey;
}

/** The current key first; never empty. */
export type FernetKeyring = readonly [FernetKey, ...FernetKey[]];

/** A new random key, in the form `Fernet.generate_key()` writes. */
export function generateFernetKey(): string {
  return encodePadded(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
}

/**
 * The raw keys of a comma-separated list (spaces around commas allowed), checked without any
 * crypto work; a `FernetError("invalid_key")` naming the bad key by position, never its text.
 */
export function decodeFernetKeys(list: string): Uint8Array[] {
  const texts = list.split(",").map((text) => text.trim());
  return texts.map((text, i) => {
    const bytes = decodePadded(text);
    if (bytes?.length !== KEY_BYTES) {
      const which = texts.length > 1 ? `key ${i + 1} of ${texts.length}` : "the key";
      throw new FernetError("invalid_key", `${which} is not the url-safe base64 of 32 bytes (Fernet.generate_key())`);
    }
    return bytes;
  });
}

export async function importFernetKeys(list: string): Promise<FernetKeyring> {
  const [current, ...older] = await Promise.all(decodeFernetKeys(list).map(importRaw));
  return [current, ...older];
}

async function importRaw(bytes: Uint8Array): Promise<FernetKey> {
  const [signing, encryption] = await Promise.all([
    crypto.subtle.importKey("raw", bytes.subarray(0, 16), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
    crypto.subtle.importKey("raw", bytes.subarray(16), "AES-CBC", false, ["encrypt", "decrypt"]),
  ]);
  return { signing, encryption };
}
