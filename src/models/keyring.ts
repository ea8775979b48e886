/**
 * The model keyring: key-encryption keys by `kid`, from the `MODEL_KEYS` secret. Its format is a
 * JSON Web Key Set of 256-bit symmetric keys, `{"keys": [{"kty": "oct", "kid": "...", "k": "...",
 * "alg": "A256KW"}]}`. The first key is the current one, used to wrap new data keys; every key in
 * the set can unwrap, so old and new keys are both live during a rotation.
 */
import { z } from "zod";
import { ModelKeyUnavailable } from "../errors";
import { base64url } from "./base64url";
import type { KeyEncryptionKey } from "./envelope";

const jwkSchema = z.object({
  kty: z.literal("oct"),
  kid: z.string().min(1).max(64),
  k: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "k must be 32 bytes, base64url"),
  alg: z.literal("A256KW").optional(),
});
const jwksSchema = z.object({ keys: z.array(jwkSchema).min(1) });

export type KeyJwk = z.infer<typeof jwkSchema>;

export interface Keyring {
  /** The key new artifacts are wrapped with (the first in the set). */
  current: KeyEncryptionKey;
  kids: string[];
  /** The key for `kid`; throws `ModelKeyUnavailable` when the keyring has none. */
  get(kid: string): KeyEncryptionKey;
}

/**
 * Imports every key of the set. `extractable` is never needed: wrapping and unwrapping use the
 * key without exposing it. Errors never repeat the secret's text.
 */
export async function importKeyring(
  secret: string | undefined,
  usages: Array<"wrapKey" | "unwrapKey"> = ["unwrapKey"],
): Promise<Keyring> {
  if (!secret) throw new ModelKeyUnavailable("no model keyring is configured (secret MODEL_KEYS)");
  let json: unknown;
  try {
    json = JSON.parse(secret);
  } catch {
    throw new ModelKeyUnavailable("the model keyring (MODEL_KEYS) is not valid JSON");
  }
  const parsed = jwksSchema.safeParse(json);
  if (!parsed.success)
    throw new ModelKeyUnavailable("the model keyring (MODEL_KEYS) is not a JWK set of 256-bit oct keys");
  const keys = new Map<string, KeyEncryptionKey>();
  for (const jwk of parsed.data.keys) {
    if (keys.has(jwk.kid)) throw new ModelKeyUnavailable(`the model keyring lists kid "${jwk.kid}" twice`);
    const key = await crypto.subtle.importKey("jwk", { ...jwk, alg: "A256KW" }, "AES-KW", false, usages);
    keys.set(jwk.kid, { kid: jwk.kid, key });
  }
  const current = keys.get(parsed.data.keys[0].kid) as KeyEncryptionKey;
  return {
    current,
    kids: [...keys.keys()],
    get(kid) {
      const found = keys.get(kid);
      if (!found) throw new ModelKeyUnavailable(`the model keyring has no key "${kid}"`);
      return found;
    },
  };
}

/** A new random key in the keyring's format. */
export function generateKeyJwk(kid: string): KeyJwk {
  const k = crypto.getRandomValues(new Uint8Array(32));
  return { kty: "oct", kid, k: base64url.encode(k), alg: "A256KW" };
}

/** Imports the keyring once per secret value; a secret is fixed for an isolate's lifetime. */
export function keyringCache(): (secret: string | undefined) => Promise<Keyring> {
  let cached: { secret: string | undefined; keyring: Promise<Keyring> } | undefined;
  return (secret) => {
    if (cached?.secret !== secret || !cached) cached = { secret, keyring: importKeyring(secret) };
    return cached.keyring;
  };
}
