/**
 * Where a principal's probing state lives: the ProbingMonitor Durable Object, or Redis with
 * PROBING_STORE=redis (src/state-store.ts). Either way every isolate serving the principal
 * updates the same state, one update at a time.
 */
import { ProbingUnavailable } from "../errors";
import { stateStore } from "../state-store";
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

export const probingStores = () =>
  stateStore<ProbingStore>({
    setting: "PROBING_STORE",
    binding: "PROBING_MONITOR",
    unavailable: (message) => new ProbingUnavailable(message),
    inRedis: redisStore,
    inDurableObjects: ({ PROBING_MONITOR: namespace }) => namespace && durableObjectStore(namespace),
  });

function durableObjectStore(namespace: DurableObjectNamespace<ProbingMonitor>): ProbingStore {
  const monitor = (key: string) => namespace.get(namespace.idFromName(key)) as DurableObjectStub<ProbingMonitor>;
  return {
    observe: (key, observations, policy) => monitor(key).observe(observations, policy),
    strike: (key, policy) => monitor(key).strike(policy),
    clear: (key) => monitor(key).clear(),
  };
}
