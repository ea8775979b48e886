/**
 * The sliding window and the token bucket of @upstash/ratelimit's Lua scripts, on a Durable
 * Object's storage, so both backends decide alike. Each function takes the stored state and the
 * time, and returns the answer and the state to store.
 */

import { durationMs } from "./duration";
import type { CountResult, RateLimitPolicy } from "./types";

export interface SlidingWindowState {
  kind: "sliding-window";
  window: number;
  current: number;
  previous: number;
}

export interface TokenBucketState {
  kind: "token-bucket";
  refilledAt: number;
  tokens: number;
}

export type LimiterState = SlidingWindowState | TokenBucketState;

export function decide(
  policy: RateLimitPolicy,
  state: LimiterState | undefined,
  cost: number,
  now: number,
): { answer: CountResult; state: LimiterState; expiresAt: number } {
  return policy.algorithm === "token-bucket"
    ? tokenBucket(policy, state?.kind === "token-bucket" ? state : undefined, cost, now)
    : slidingWindow(policy, state?.kind === "sliding-window" ? state : undefined, cost, now);
}

/** Counts in fixed windows, weighting the previous window by how much of it still overlaps. */
function slidingWindow(policy: RateLimitPolicy, stored: SlidingWindowState | undefined, cost: number, now: number) {
  const windowMs = durationMs(policy.window);
  const window = Math.floor(now / windowMs);
  let current = 0;
  let previous = 0;
  if (stored?.window === window) [current, previous] = [stored.current, stored.previous];
  else if (stored?.window === window - 1) previous = stored.current;
  const weighted = Math.floor((1 - (now % windowMs) / windowMs) * previous);
  const reset = (window + 1) * windowMs;
  const state: SlidingWindowState = { kind: "sliding-window", window, current, previous };
  if (cost > 0 && weighted + current >= policy.limit) {
    return { answer: { allowed: false, limit: policy.limit, remaining: 0, reset }, state, expiresAt: reset + windowMs };
  }
  state.current += cost;
  const remaining = policy.limit - (state.current + weighted);
  return {
    answer: { allowed: remaining >= 0, limit: policy.limit, remaining: Math.max(0, remaining), reset },
    state,
    expiresAt: reset + windowMs,
  };
}

/** A bucket of `limit` tokens, refilled by `refillRate` every window; a request takes `cost`. */
function tokenBucket(policy: RateLimitPolicy, stored: TokenBucketState | undefined, cost: number, now: number) {
  const interval = durationMs(policy.window);
  const refillRate = policy.refillRate ?? policy.limit;
  let { refilledAt, tokens } = stored ?? { refilledAt: now, tokens: policy.limit };
  if (now >= refilledAt + interval) {
    const refills = Math.floor((now - refilledAt) / interval);
    tokens = Math.min(policy.limit, tokens + refills * refillRate);
    refilledAt += refills * interval;
  }
  const reset = refilledAt + interval;
  if (cost > 0 && tokens < cost) {
    return {
      answer: { allowed: false, limit: policy.limit, remaining: 0, reset },
      state: { kind: "token-bucket" as const, refilledAt, tokens },
      expiresAt: reset,
    };
  }
  const remaining = tokens - cost;
  const expiresAt = now + Math.ceil((policy.limit - remaining) / refillRate) * interval;
  return {
    answer: { allowed: true, limit: policy.limit, remaining, reset },
    state: { kind: "token-bucket" as const, refilledAt, tokens: remaining },
    expiresAt,
  };
}
