/**
 * Where subject keys live: the SubjectKeys Durable Object by default, or Redis (over Upstash's REST
 * API, like the rate limits) when PRIVACY_STORE is `redis` and UPSTASH_REDIS_REST_URL and _TOKEN
 * are set.
 */
import type { Bindings } from "../../env";
import { PrivacyStoreUnavailable } from "../../errors";
import { redisSubjectKeys } from "./redis";
import type { SubjectKeyStore } from "./types";

export function subjectKeyStores() {
  let cached: { signature: string; store: SubjectKeyStore } | undefined;
  return (env: Bindings): SubjectKeyStore => {
    const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token, SUBJECT_KEYS: namespace } = env;
    if (env.PRIVACY_STORE === "redis") {
      if (!url || !token)
        throw new PrivacyStoreUnavailable("PRIVACY_STORE is redis but UPSTASH_REDIS_REST_URL or _TOKEN is unset");
      const signature = JSON.stringify([url, token]);
      if (cached?.signature !== signature) cached = { signature, store: redisSubjectKeys(url, token) };
      return cached.store;
    }
    if (!namespace) throw new PrivacyStoreUnavailable("no SUBJECT_KEYS binding and no Redis");
    const keys = (lookup: string) => namespace.get(namespace.idFromName(lookup));
    return {
      getOrCreate: (lookup, candidate) => keys(lookup).getOrCreate(candidate),
      get: (lookup) => keys(lookup).get(),
      erase: (lookup) => keys(lookup).erase(),
    };
  };
}
