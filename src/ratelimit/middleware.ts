/**
 * Hono middleware: `limitByIp` (before authentication), `limitByPrincipal` (after authorization,
 * per function) with `chargeBatch` for the rest of a batch, and `limitReads` (per principal).
 * Admitted and refused responses carry `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds); a refusal is 429 with `Retry-After`.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { principalDigest } from "../auth/principal-digest";
import type { AppEnv, Bindings } from "../env";
import { RateLimited, RateLimitNotConfigured, RateLimitUnavailable } from "../errors";
import { clientNetwork } from "../request/client-address";
import { durableObjectBackend } from "./durable-object";
import { functionPolicy, ipPolicy, parseRateLimitSettings, type RateLimitSettings, readPolicy } from "./policy";
import type { RateLimitBackend, RateLimitDecision, RateLimitPolicy } from "./types";
import { upstashBackend } from "./upstash";

export function rateLimiting() {
  let cached: { signature: string; backend: RateLimitBackend; settings: RateLimitSettings } | undefined;
  /** The backend and settings, made once per isolate and configuration. */
  const configure = (env: Bindings) => {
    const signature = JSON.stringify([env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN, env.RATE_LIMITS]);
    if (cached?.signature !== signature) {
      const settings = parseRateLimitSettings(env.RATE_LIMITS);
      let backend: RateLimitBackend;
      if (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN)
        backend = upstashBackend(env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN);
      else if (env.RATE_LIMITER) backend = durableObjectBackend(env.RATE_LIMITER);
      else
        throw new RateLimitNotConfigured(
          "no rate-limit backend: set UPSTASH_REDIS_REST_URL and _TOKEN, or bind RATE_LIMITER",
        );
      cached = { signature, backend, settings };
    }
    return cached;
  };

  const enforce = async (
    c: Context<AppEnv>,
    scope: RateLimitDecision["scope"],
    key: string,
    policy: RateLimitPolicy,
    cost: number,
  ) => {
    const { backend } = configure(c.env);
    let decision: RateLimitDecision;
    try {
      const answer = await withTimeout(backend.limit(key, policy, cost), policy.timeoutMs);
      if (answer.pending) c.executionCtx.waitUntil(answer.pending.catch(() => undefined));
      const { allowed, limit, remaining, reset } = answer;
      decision = {
        scope,
        backend: backend.name,
        allowed,
        limit,
        remaining,
        reset,
        outcome: answer.cached ? "cached" : "counted",
      };
    } catch (error) {
      console.warn(
        JSON.stringify({ event: "rate_limit_backend_failed", backend: backend.name, scope, error: String(error) }),
      );
      const open = policy.onBackendFailure === "open";
      decision = {
        scope,
        backend: backend.name,
        allowed: open,
        limit: policy.limit,
        remaining: 0,
        reset: 0,
        outcome: open ? "fail-open" : "fail-closed",
      };
    }
    c.set("rateLimits", [...(c.var.rateLimits ?? []), decision]);
    if (decision.outcome === "fail-closed") throw new RateLimitUnavailable();
    if (decision.outcome === "fail-open") return;
    const headers = rateLimitHeaders(decision);
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (!decision.allowed) throw new RateLimited({ ...headers, "Retry-After": headers["RateLimit-Reset"] }, scope);
  };

  return {
    /** Per client network, for every request that needs a token: bad tokens are throttled too. */
    limitByIp: createMiddleware<AppEnv>(async (c, next) => {
      const policy = ipPolicy(configure(c.env).settings);
      const network = clientNetwork(c.req.header("cf-connecting-ip"), { ipv4: 32, ipv6: policy.ipv6Prefix });
      await enforce(c, "ip", `ip:${network.kind === "network" ? network.cidr : network.kind}`, policy, 1);
      await next();
    }),
    /** Per principal and function, with the function's policy for the principal's tier. */
    limitByPrincipal: createMiddleware<AppEnv>(async (c, next) => {
      const policy = functionPolicy(configure(c.env).settings, c.var.fn, c.var.principal.tier);
      await enforce(c, "principal", await functionKey(c), policy, 1);
      await next();
    }),
    /**
     * Charges the rest of a batch once its size is known (the first unit was charged already):
     * a batch of N costs what N requests cost.
     */
    async chargeBatch(c: Context<AppEnv>, batch: number) {
      const policy = functionPolicy(configure(c.env).settings, c.var.fn, c.var.principal.tier);
      if (batch > 1) await enforce(c, "principal", await functionKey(c), policy, batch - 1);
    },
    /** Per principal, for reads: metadata, readiness and listings, apart from inference budgets. */
    limitReads: createMiddleware<AppEnv>(async (c, next) => {
      await enforce(
        c,
        "reads",
        `reads:${await principalDigest(c.var.principal)}`,
        readPolicy(configure(c.env).settings),
        1,
      );
      await next();
    }),
  };
}

async function functionKey(c: Context<AppEnv>): Promise<string> {
  return `fn:${c.var.fn.name}:${await principalDigest(c.var.principal)}`;
}

export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const seconds = Math.max(0, Math.ceil((decision.reset - Date.now()) / 1000));
  return {
    "RateLimit-Limit": String(decision.limit),
    "RateLimit-Remaining": String(decision.remaining),
    "RateLimit-Reset": String(seconds),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
