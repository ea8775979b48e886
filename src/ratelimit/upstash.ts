/**
 * Redis through @upstash/ratelimit over @upstash/redis (HTTP, so it runs in workers): Upstash in
 * production, the local bridge (tools/redis-bridge.ts) in front of redis-server otherwise. One
 * Ratelimit per policy, made once per isolate and sharing the library's ephemeral cache of
 * blocked keys. Timeouts are the middleware's (the library's own would always fail open).
 */
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import type { RateLimitBackend, RateLimitPolicy } from "./types";

const ephemeralCache = new Map<string, number>();

export function upstashBackend(url: string, token: string): RateLimitBackend {
  // No retries: a failing Redis is the failure policy's to handle, quickly.
  const redis = new Redis({ url, token, retry: false, enableTelemetry: false });
  const limiters = new Map<string, Ratelimit>();
  const limiterFor = (policy: RateLimitPolicy) => {
    const signature = JSON.stringify([policy.algorithm, policy.limit, policy.window, policy.refillRate]);
    let limiter = limiters.get(signature);
    if (!limiter) {
      limiter = new Ratelimit({
        redis,
        limiter:
          policy.algorithm === "token-bucket"
            ? Ratelimit.tokenBucket(policy.refillRate ?? policy.limit, policy.window, policy.limit)
            : Ratelimit.slidingWindow(policy.limit, policy.window),
        prefix: `bastion:${policy.algorithm}:${policy.limit}:${policy.window}`,
        ephemeralCache,
        timeout: 0,
        analytics: false,
      });
      limiters.set(signature, limiter);
    }
    return limiter;
  };
  return {
    name: "upstash",
    async limit(key, policy, cost) {
      const result = await limiterFor(policy).limit(key, { rate: cost });
      return {
        allowed: result.success,
        limit: result.limit,
        remaining: result.remaining,
        reset: result.reset,
        pending: result.pending,
        cached: result.reason === "cacheBlock",
      };
    },
  };
}
