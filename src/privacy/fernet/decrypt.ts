/**
 * Verifying and decrypting a Fernet token, as pyca/cryptography does: the MAC is checked (in
 * constant time, by `crypto.subtle.verify`) before anything is decrypted, and with a `ttl` the
 * token must be no older than `ttl` seconds and no more than 60 seconds in the future (the spec's
 * clock-skew allowance). Without a `ttl` neither age check applies, as in Python. Every failure
 * is the same `FernetError("invalid_token")`.
 */
import { decodePadded } from "./base64";
import { invalidToken } from "./errors";
import type { FernetKeyring } from "./keys";
import { HEADER_BYTES, MAC_BYTES, plausibleLength, unixSeconds, VERSION } from "./token";

/** How far in the future a token's timestamp may lie (pyca/cryptography's `_MAX_CLOCK_SKEW`). */
export const MAX_CLOCK_SKEW_SECONDS = 60;

export interface DecryptOptions {
  /** The largest age accepted, in seconds; also turns on the clock-skew rule. */
  ttl?: number;
  /** The current time. Default: now. */
  now?: Date;
}

export interface OpenedToken {
  plaintext: Uint8Array;
  /** The token's creation time, in Unix seconds. */
  timestamp: number;
}

/** The plaintext of `token` under any key of the keyring, tried in order (`MultiFernet.decrypt`). */
export async function decryptFernet(keys: FernetKeyring, token: string, options: DecryptOptions = {}) {
  return (await openFernet(keys, token, options)).plaintext;
}

/** The plaintext and timestamp of `token`. */
export async function openFernet(
  keys: FernetKeyring,
  token: string,
  options: DecryptOptions = {},
): Promise<OpenedToken> {
  const data = decodePadded(token);
  if (!data || data[0] !== VERSION || !plausibleLength(data.length)) throw invalidToken();
  const timestamp = Number(new DataView(data.buffer, data.byteOffset).getBigUint64(1));
  if (options.ttl !== undefined) {
    const now = unixSeconds(options.now ?? new Date());
    if (timestamp + options.ttl < now || timestamp > now + MAX_CLOCK_SKEW_SECONDS) throw invalidToken();
  }
  const signed = data.subarray(0, data.length - MAC_BYTES);
  const mac = data.subarray(data.length - MAC_BYTES);
  for (const key of keys) {
    if (!(await crypto.subtle.verify("HMAC", key.signing, mac, signed))) continue;
    const iv = data.subarray(9, HEADER_BYTES);
    try {
      const plaintext = await crypto.subtle.decrypt(
        { name: "AES-CBC", iv },
        key.encryption,
        signed.subarray(HEADER_BYTES),
      );
      return { plaintext: new Uint8Array(plaintext), timestamp };
    } catch {
      // Bad padding under a valid MAC: only the key's holder can make one; still the same refusal.
      throw invalidToken();
    }
  }
  throw invalidToken();
}
