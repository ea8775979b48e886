/**
 * Where a principal's probing state lives: the ProbingMonitor Durable Object by default, or Redis
 * (over Upstash's REST API, like the rate limits) when PROBING_STORE is `redis` and
 * UPSTASH_REDIS_REST_URL and _TOKEN are set. Chosen apart from the rate limits' backend: a
 * deployment that limits in Redis keeps its probing state where its availability was planned.
 * Either way every isolate serving the principal updates the same state, one update at a time.
 */
import type { Bindings } from "../env";
import { ProbingUnavailable } from "../errors";
import type { ObservationMessage, ProbingMonitor } from "./durable-object";
import { redisStore } from "./redis";
import type { ProbingPolicy, Verdict } from "./types";

export interface ProbingStore {
  observe(key: string, observations: ObservationMessage[], policy: ProbingPolicy): Promise<Verdict>;
  /** A refused query: one more strike. */
  strike(key: string, policy: ProbingPolicy): Promise<Verdict>;
  /** The operator's clear: observations, strikes and any stop. */
  clear(key: string): Promise<void>;
}

export function probingStores() {
  let cached: { signature: string; store: ProbingStore } | undefined;
  return (env: Bindings): ProbingStore => {
    const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token, PROBING_MONITOR: namespace } = env;
    if (env.PROBING_STORE === "redis") {
      if (!url || !token)
        throw new ProbingUnavailable("PROBING_STORE is redis but UPSTASH_REDIS_REST_URL or _TOKEN is unset");
      const signature = JSON.stringify([url, token]);
      if (cached?.signature !== signature) cached = { signature, store: redisStore(url, token) };
      return cached.store;
    }
    if (!namespace) throw new ProbingUnavailable("no PROBING_MONITOR binding and no Redis");
    return durableObjectStore(namespace);
  };
}

function durableObjectStore(namespace: DurableObjectNamespace<ProbingMonitor>): ProbingStore {
  const monitor = (key: string) => namespace.get(namespace.idFromName(key)) as DurableObjectStub<ProbingMonitor>;
  return {
    observe: (key, observations, policy) => monitor(key).observe(observations, policy),
    strike: (key, policy) => monitor(key).strike(policy),
    clear: (key) => monitor(key).clear(),
  };
}
