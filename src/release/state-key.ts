/**
 * The settings of sealed state: the secret `STATE_KEY` (strict base64url of at least 32 bytes,
 * checked as every key secret is) and `STATE_LIFETIME_SECONDS` (default 60: a stream sends a
 * frame every 32 ms, so a minute only ever runs out on a stream that stopped). Without a valid
 * key, state is not released at all: 503 `state_key_not_configured`.
 */
import type { Bindings } from "../env";
import { StateKeyNotConfigured } from "../errors";
import { base64url } from "../models/base64url";
import { secretKeyProblem } from "../secret-keys";

export const DEFAULT_STATE_LIFETIME_SECONDS = 60;
const MAX_STATE_LIFETIME_SECONDS = 3600;

export interface StateKey {
  /** Names the key in each token, so one sealed under another STATE_KEY is told apart from a forgery. */
  id: Uint8Array;
  /** HKDF input: each token's AES-256-GCM key is derived from it and the token's salt. */
  material: CryptoKey;
  lifetimeMs: number;
}

/** What is wrong with the state settings (never the key itself), or undefined. */
export function stateSettingsProblem(env: Pick<Bindings, "STATE_KEY" | "STATE_LIFETIME_SECONDS">): string | undefined {
  if (!env.STATE_KEY) return "the STATE_KEY secret is not set";
  const problem = secretKeyProblem("STATE_KEY", env.STATE_KEY);
  if (problem) return `the STATE_KEY secret ${problem}`;
  if (env.STATE_LIFETIME_SECONDS !== undefined && lifetimeSeconds(env.STATE_LIFETIME_SECONDS) === undefined)
    return `STATE_LIFETIME_SECONDS must be a whole number of seconds from 1 to ${MAX_STATE_LIFETIME_SECONDS}`;
  return undefined;
}

function lifetimeSeconds(text: string): number | undefined {
  const seconds = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  return seconds >= 1 && seconds <= MAX_STATE_LIFETIME_SECONDS ? seconds : undefined;
}

/** The key of the last STATE_KEY seen; derived once per isolate and secret. */
let cached: { secret: string; key: Promise<Omit<StateKey, "lifetimeMs">> } | undefined;

export async function stateKey(env: Bindings): Promise<StateKey> {
  const problem = stateSettingsProblem(env);
  if (problem) throw new StateKeyNotConfigured(`recurrent state cannot be sealed: ${problem}`);
  const secret = env.STATE_KEY as string;
  if (cached?.secret !== secret) cached = { secret, key: importKey(secret) };
  const seconds = env.STATE_LIFETIME_SECONDS ? lifetimeSeconds(env.STATE_LIFETIME_SECONDS) : undefined;
  return { ...(await cached.key), lifetimeMs: (seconds ?? DEFAULT_STATE_LIFETIME_SECONDS) * 1000 };
}

async function importKey(secret: string): Promise<Omit<StateKey, "lifetimeMs">> {
  const material = await crypto.subtle.importKey("raw", base64url.decode(secret), "HKDF", false, [
    "deriveKey",
    "deriveBits",
  ]);
  const id = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("bastion state key id") },
    material,
    64,
  );
  return { id: new Uint8Array(id), material };
}
