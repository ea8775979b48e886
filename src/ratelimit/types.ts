/**
 * Rate limiting in one page.
 *
 * Limits hold across every isolate and location, so their state lives in one shared place: Redis
 * through @upstash/ratelimit (`upstash.ts`) when UPSTASH_REDIS_REST_URL is set, else a Durable
 * Object per key (`durable-object.ts`, same algorithms, `algorithms.ts`). Three limits apply:
 *
 *   per client network (an IPv4 address, an IPv6 /64), before the token is verified, so floods
 *   of bad tokens are throttled too;
 *   per principal and function, after authorization, with the function's policy for the
 *   caller's tier (`policy.ts`); a batch costs its size;
 *   per principal for reads (metadata, readiness, listings), apart from the inference budget.
 *
 * Keys name the principal by a digest of (tenant, subject), so no two principals share a
 * counter whatever their names contain, and no subject is stored in the clear.
 *
 * `middleware.ts` turns a decision into `RateLimit-*` headers, a 429 with `Retry-After`, or, when
 * the backend fails or is too slow, the policy's choice: let the request through, or refuse it
 * with 503. Every decision is kept on the request for the audit log. The per-principal limit's
 * round trip runs while the body is read and validated; its refusal still comes first.
 *
 * The per-network limit may instead use Cloudflare's Rate Limiting binding (`binding.ts`), when
 * IP_RATE_LIMITER is bound: no round trip to a shared store, but other semantics. Its counters
 * are kept per Cloudflare location and are eventually consistent (a client that reaches several
 * locations, or a burst faster than the counters settle, gets somewhat more than the limit); its
 * limit and period (10 or 60 s only) are fixed in wrangler.toml, so RATE_LIMITS.ip may then set
 * only `ipv6Prefix`, `onBackendFailure` and `timeoutMs` (a limit there is refused as a
 * configuration error, not silently ignored); it answers only admitted or not, so an admission
 * carries no `RateLimit-*` header, and a refusal only `RateLimit-Remaining: 0` and a
 * `Retry-After` of 60 s, the longest period a binding can have. A failing or slow binding follows the IP policy's `onBackendFailure`.
 */

/** A duration as @upstash/ratelimit writes it: "10 s", "1 m", "500 ms". */
export type Duration = `${number} ${"ms" | "s" | "m" | "h" | "d"}`;

export interface RateLimitPolicy {
  algorithm: "sliding-window" | "token-bucket";
  /** Sliding window: units per window. Token bucket: the bucket's size. */
  limit: number;
  /** Sliding window: its length. Token bucket: how often it refills. */
  window: Duration;
  /** Token bucket: units added per window (default: `limit`). */
  refillRate?: number;
  /** When the backend fails or takes longer than `timeoutMs`: admit (`open`) or refuse with 503 (`closed`). */
  onBackendFailure: "open" | "closed";
  timeoutMs: number;
}

/** What the limiter decided about one request, as the audit log records it. */
export interface RateLimitDecision {
  scope: "ip" | "principal" | "reads";
  backend: "upstash" | "durable-object" | "rate-limiting-binding";
  allowed: boolean;
  /** The count's state; absent when the backend does not tell it (the Rate Limiting binding). */
  limit?: number;
  remaining?: number;
  /** When the window resets or the bucket refills, in ms since the epoch. */
  reset?: number;
  /**
   * `counted`: the backend answered. `cached`: refused from this isolate's cache of blocked keys.
   * `fail-open` / `fail-closed`: the backend failed or timed out and the policy decided.
   */
  outcome: "counted" | "cached" | "fail-open" | "fail-closed";
}

/** What counting a request tells: admitted or not, and the limit's state. */
export interface CountResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** ms since the epoch */
  reset: number;
}

/** One answer from a backend. */
export interface BackendAnswer extends CountResult {
  /** Work the backend may finish after the response (handed to `waitUntil`). */
  pending?: Promise<unknown>;
  /** True when the backend's own cache refused without a round trip. */
  cached?: boolean;
}

export interface RateLimitBackend {
  name: Exclude<RateLimitDecision["backend"], "rate-limiting-binding">;
  limit(key: string, policy: RateLimitPolicy, cost: number): Promise<BackendAnswer>;
}
