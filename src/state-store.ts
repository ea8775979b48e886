/**
 * Where a kind of shared state lives: Durable Objects by default, or Redis (over Upstash's REST
 * API, like the rate limits) when its setting (PROBING_STORE, PRIVACY_STORE) is `redis` and
 * UPSTASH_REDIS_REST_URL and _TOKEN are set. Each kind is chosen on its own, so a deployment that
 * rate-limits in Redis keeps the rest where its availability was planned.
 */
import type { Bindings } from "./env";
import type { BastionError } from "./errors";

export interface StateStoreChoice<Store> {
  setting: "PROBING_STORE" | "PRIVACY_STORE";
  /** The Durable Object binding, for the refusal when it is missing. */
  binding: string;
  unavailable: (message: string) => BastionError;
  inRedis: (url: string, token: string) => Store;
  inDurableObjects: (env: Bindings) => Store | undefined;
}

/** The configured store; the Redis client is made once per URL and token. */
export function stateStore<Store>(choice: StateStoreChoice<Store>): (env: Bindings) => Store {
  let cached: { signature: string; store: Store } | undefined;
  return (env) => {
    const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = env;
    if (env[choice.setting] === "redis") {
      if (!url || !token)
        throw choice.unavailable(`${choice.setting} is redis but UPSTASH_REDIS_REST_URL or _TOKEN is unset`);
      const signature = JSON.stringify([url, token]);
      if (cached?.signature !== signature) cached = { signature, store: choice.inRedis(url, token) };
      return cached.store;
    }
    const store = choice.inDurableObjects(env);
    if (!store) throw choice.unavailable(`no ${choice.binding} binding and no Redis`);
    return store;
  };
}
