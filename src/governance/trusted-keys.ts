/**
 * The signing keys this deployment trusts: models/signing/trusted-keys.json, bundled into the
 * worker at build time (so an attacker who can write to R2 cannot add one), imported once per
 * isolate.
 */
import trustedKeysJson from "../../models/signing/trusted-keys.json";
import { importTrustedKeys, type TrustedKeys } from "./keys";

export function bundledTrustedKeys(): () => Promise<TrustedKeys> {
  let imported: Promise<TrustedKeys> | undefined;
  return () => {
    imported ??= importTrustedKeys(trustedKeysJson);
    return imported;
  };
}
