/**
 * Probing state in Redis: one JSON value per principal and function, read, updated by the same
 * monitor code the Durable Object runs, and written back, under a short lock so two isolates never
 * interleave their updates. Observations expire with the policy's time-to-live; a stopped
 * principal's state does not expire.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { emptyMonitor, type MonitorState, observeAll, strike } from "./monitor";
import type { ProbingStore } from "./store";
import type { ProbingPolicy, Verdict } from "./types";

const LOCK_MS = 2_000;
const LOCK_ATTEMPTS = 40;
/** Deletes the lock only if this update still holds it (it may have expired and been taken). */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export function redisStore(url: string, token: string): ProbingStore {
  const redis = new Redis({ url, token, retry: false, enableTelemetry: false });
  const stateKey = (key: string) => `bastion:probing:${key}`;

  const update = async (key: string, policy: ProbingPolicy, change: (state: MonitorState) => Verdict) => {
    const lock = `${stateKey(key)}:lock`;
    const owner = crypto.randomUUID();
    for (let attempt = 0; !(await redis.set(lock, owner, { nx: true, px: LOCK_MS })); attempt++) {
      if (attempt >= LOCK_ATTEMPTS) throw new Error("the probing state stays locked");
      await new Promise((resolve) => setTimeout(resolve, 5 + attempt * 5));
    }
    try {
      const state = (await redis.get<MonitorState>(stateKey(key))) ?? emptyMonitor();
      const verdict = change(state);
      if (state.stopped) await redis.set(stateKey(key), state);
      else await redis.set(stateKey(key), state, { ex: policy.ttlSeconds });
      return verdict;
    } finally {
      await redis.eval(RELEASE, [lock], [owner]);
    }
  };

  return {
    observe: (key, observations, policy) =>
      update(key, policy, (state) => observeAll(state, observations, Date.now(), policy)),
    strike: (key, policy) => update(key, policy, (state) => strike(state, policy)),
    clear: async (key) => {
      await redis.del(stateKey(key));
    },
  };
}
