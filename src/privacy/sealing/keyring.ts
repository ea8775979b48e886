/**
 * The `FERNET_KEYS` secret: comma-separated Fernet keys, the first one current (src/privacy/fernet).
 * Optional: without it nothing sealed is accepted or answered (503 `fernet_not_configured`, fail
 * closed), and readiness is unaffected; a malformed one fails readiness and every request that
 * would use it, rather than guess which key was meant.
 */
import type { Bindings } from "../../env";
import { FernetNotConfigured } from "../../errors";
import { decodeFernetKeys, FernetError, type FernetKeyring, importFernetKeys } from "../fernet";

/** What is wrong with FERNET_KEYS when it is set (never a key itself), or undefined. */
export function fernetKeysProblem(env: Pick<Bindings, "FERNET_KEYS">): string | undefined {
  if (env.FERNET_KEYS === undefined) return undefined;
  try {
    decodeFernetKeys(env.FERNET_KEYS);
    return undefined;
  } catch (error) {
    if (error instanceof FernetError) return `FERNET_KEYS: ${error.message}`;
    throw error;
  }
}

/** The keys of FERNET_KEYS, imported once per isolate and secret value. */
export function fernetKeyring(): (env: Pick<Bindings, "FERNET_KEYS">) => Promise<FernetKeyring> {
  let cached: { secret: string; keys: Promise<FernetKeyring> } | undefined;
  return (env) => {
    if (env.FERNET_KEYS === undefined)
      throw new FernetNotConfigured("sealed fields need the FERNET_KEYS secret, which is not set");
    const problem = fernetKeysProblem(env);
    if (problem) throw new FernetNotConfigured(problem);
    if (cached?.secret !== env.FERNET_KEYS)
      cached = { secret: env.FERNET_KEYS, keys: importFernetKeys(env.FERNET_KEYS) };
    return cached.keys;
  };
}
