/**
 * The policy that applies to a request. For a principal calling a function, later entries win:
 *
 *   built-in default < RATE_LIMITS.default < the function's file < RATE_LIMITS.functions[name]
 *     < RATE_LIMITS.tiers[tier]["*"] < RATE_LIMITS.tiers[tier][name]
 *
 * For client networks: built-in IP default < RATE_LIMITS.ip (which also sets `ipv6Prefix`, the
 * IPv6 network counted as one client, default /64); when the Rate Limiting binding IP_RATE_LIMITER
 * is bound, its limit is wrangler.toml's and RATE_LIMITS.ip may set only `ipv6Prefix`,
 * `onBackendFailure` and `timeoutMs`. For reads: built-in read default <
 * RATE_LIMITS.reads. `RATE_LIMITS` is one JSON setting, e.g.
 * {"ip": {"limit": 300}, "tiers": {"free": {"*": {"limit": 30}}, "pro": {"*": {"limit": 600}}}}.
 */
import { z } from "zod";
import type { Bindings } from "../env";
import { RateLimitNotConfigured } from "../errors";
import type { InferenceFunction } from "../functions/define";
import { jsonSettings } from "../json-settings";
import { DURATION_PATTERN } from "./duration";
import type { Duration, RateLimitPolicy } from "./types";

export const DEFAULT_POLICY: RateLimitPolicy = {
  algorithm: "sliding-window",
  limit: 60,
  window: "1 m",
  onBackendFailure: "closed",
  timeoutMs: 1000,
};

/**
 * The per-address guard is defence in depth in front of the functions' own limits; if its backend
 * fails it lets requests on to them (each function's policy then decides), rather than close
 * every route at once.
 */
/** 50 a second: room for a live audio stream (31 frames a second) and its page's other calls. */
export const DEFAULT_IP_POLICY: RateLimitPolicy = { ...DEFAULT_POLICY, limit: 3000, onBackendFailure: "open" };
/** One customer's IPv6 allocation is usually a /64: counting /128s would give it 2^64 budgets. */
export const DEFAULT_IPV6_PREFIX = 64;

/** Reads (metadata, readiness, listings) per principal: their own budget, not the inference one. */
export const DEFAULT_READ_POLICY: RateLimitPolicy = { ...DEFAULT_POLICY, limit: 120 };

const partialPolicy = z
  .object({
    algorithm: z.enum(["sliding-window", "token-bucket"]),
    limit: z.number().int().positive(),
    window: z
      .string()
      .regex(DURATION_PATTERN, 'a window is like "10 s", "1 m" or "500 ms"')
      .transform((w) => w as Duration),
    refillRate: z.number().int().positive(),
    onBackendFailure: z.enum(["open", "closed"]),
    timeoutMs: z.number().int().positive().max(30_000),
  })
  .partial()
  .strict();

const settingsSchema = z
  .object({
    default: partialPolicy,
    ip: partialPolicy.extend({ ipv6Prefix: z.number().int().min(32).max(128).optional() }),
    reads: partialPolicy,
    functions: z.record(z.string(), partialPolicy),
    tiers: z.record(z.string(), z.record(z.string(), partialPolicy)),
  })
  .partial()
  .strict();

export type RateLimitSettings = z.infer<typeof settingsSchema>;

export const parseRateLimitSettings = jsonSettings(
  "RATE_LIMITS",
  settingsSchema,
  (message) => new RateLimitNotConfigured(message),
);

/** What the Rate Limiting binding fixes in wrangler.toml, so RATE_LIMITS.ip may not set it while bound. */
const SET_BY_BINDING = ["algorithm", "limit", "window", "refillRate"] as const;

/**
 * RATE_LIMITS, parsed, for these bindings: a per-address limit set both by the binding and by
 * RATE_LIMITS.ip is refused rather than one of them silently ignored.
 */
export function rateLimitSettingsFor(env: Pick<Bindings, "RATE_LIMITS" | "IP_RATE_LIMITER">): RateLimitSettings {
  const settings = parseRateLimitSettings(env.RATE_LIMITS);
  const clash = env.IP_RATE_LIMITER && SET_BY_BINDING.find((field) => settings.ip?.[field] !== undefined);
  if (clash)
    throw new RateLimitNotConfigured(
      `RATE_LIMITS.ip.${clash}: the per-address limit is the IP_RATE_LIMITER binding's, set in wrangler.toml`,
    );
  return settings;
}

export function functionPolicy(settings: RateLimitSettings, fn: InferenceFunction, tier: string): RateLimitPolicy {
  const tierPolicies = settings.tiers?.[tier] ?? {};
  return {
    ...DEFAULT_POLICY,
    ...settings.default,
    ...fn.rateLimit,
    ...settings.functions?.[fn.name],
    ...tierPolicies["*"],
    ...tierPolicies[fn.name],
  };
}

export function ipPolicy(settings: RateLimitSettings): RateLimitPolicy & { ipv6Prefix: number } {
  return { ...DEFAULT_IP_POLICY, ipv6Prefix: DEFAULT_IPV6_PREFIX, ...settings.ip };
}

export function readPolicy(settings: RateLimitSettings): RateLimitPolicy {
  return { ...DEFAULT_READ_POLICY, ...settings.reads };
}
