/**
 * Where privacy state lives (subjects' keys, budget ledgers): Durable Objects by default, or Redis
 * (over Upstash's REST API, like the rate limits) when PRIVACY_STORE is `redis` and
 * UPSTASH_REDIS_REST_URL and _TOKEN are set.
 */
import type { Bindings } from "../env";
import { PrivacyStoreUnavailable } from "../errors";

/** The configured store of one kind of state; the Redis client is made once per URL and token. */
export function privacyStores<Store>(
  what: string,
  inRedis: (url: string, token: string) => Store,
  inDurableObjects: (env: Bindings) => Store | undefined,
): (env: Bindings) => Store {
  let cached: { signature: string; store: Store } | undefined;
  return (env) => {
    const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = env;
    if (env.PRIVACY_STORE === "redis") {
      if (!url || !token)
        throw new PrivacyStoreUnavailable("PRIVACY_STORE is redis but UPSTASH_REDIS_REST_URL or _TOKEN is unset");
      const signature = JSON.stringify([url, token]);
      if (cached?.signature !== signature) cached = { signature, store: inRedis(url, token) };
      return cached.store;
    }
    const store = inDurableObjects(env);
    if (!store) throw new PrivacyStoreUnavailable(`no ${what} binding and no Redis`);
    return store;
  };
}
