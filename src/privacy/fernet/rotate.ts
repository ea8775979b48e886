/**
 * Re-encrypting a token under the keyring's first key, as `MultiFernet.rotate` does: any key may
 * open it, no ttl applies, and the new token keeps the original timestamp, so rotation does not
 * make an old token young again.
 */
import { openFernet } from "./decrypt";
import { encryptWith } from "./encrypt";
import type { FernetKeyring } from "./keys";

export async function rotateFernet(keys: FernetKeyring, token: string): Promise<string> {
  const { plaintext, timestamp } = await openFernet(keys, token);
  return encryptWith(keys[0], plaintext, timestamp);
}
