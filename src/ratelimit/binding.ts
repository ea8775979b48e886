/**
 * Cloudflare's Rate Limiting binding (wrangler.toml `[[ratelimits]]`), for the per-network limit
 * only: the count is kept at the Cloudflare location that runs the worker, so there is no round
 * trip to Redis or a Durable Object. What that costs in semantics is in `types.ts`: per-location,
 * eventually consistent counters; a limit and a period (10 or 60 s) fixed in wrangler.toml; an
 * answer that is only admitted or not.
 */
import type { RateLimitDecision } from "./types";

/** The longest period a binding may have: a refused client has waited it out by then. */
export const BINDING_RETRY_AFTER_SECONDS = 60;

export const BINDING_BACKEND: RateLimitDecision["backend"] = "rate-limiting-binding";

/**
 * Counts one request under `key`. The binding says only whether it admitted the request; a
 * refused one has, truthfully, nothing remaining.
 */
export async function countByBinding(binding: RateLimit, key: string): Promise<{ allowed: boolean; remaining?: 0 }> {
  const { success } = await binding.limit({ key });
  return success ? { allowed: true } : { allowed: false, remaining: 0 };
}
