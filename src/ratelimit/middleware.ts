/**
 * Hono middleware: `limitByIp` (before authentication), `limitByPrincipalWhile` (after
 * authorization, per function, counted while the input is read and validated) with `chargeBatch`
 * for the rest of a batch, and `limitReads` (per principal). Admitted and refused responses carry
 * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds) when the backend tells
 * them (the Rate Limiting binding does not); a refusal is 429 with `Retry-After`.
 */
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { principalDigest } from "../auth/principal-digest";
import type { AppEnv, Bindings } from "../env";
import { RateLimited, RateLimitNotConfigured, RateLimitUnavailable } from "../errors";
import { clientNetwork } from "../request/client-address";
import { BINDING_BACKEND, BINDING_RETRY_AFTER_SECONDS, countByBinding } from "./binding";
import { durableObjectBackend } from "./durable-object";
import { functionPolicy, ipPolicy, type RateLimitSettings, rateLimitSettingsFor, readPolicy } from "./policy";
import type { BackendAnswer, CountResult, RateLimitBackend, RateLimitDecision, RateLimitPolicy } from "./types";
import { upstashBackend } from "./upstash";

/** What one count told: a backend's full answer, or the binding's admitted-or-not. */
type Counted = Pick<BackendAnswer, "allowed" | "pending" | "cached"> & Partial<CountResult>;

export function rateLimiting() {
  let cached: { signature: string; backend: RateLimitBackend; settings: RateLimitSettings } | undefined;
  /** The backend and settings, made once per isolate and configuration. */
  const configure = (env: Bindings) => {
    const signature = JSON.stringify([
      env.UPSTASH_REDIS_REST_URL,
      env.UPSTASH_REDIS_REST_TOKEN,
      env.RATE_LIMITS,
      env.IP_RATE_LIMITER !== undefined,
    ]);
    if (cached?.signature !== signature) {
      const settings = rateLimitSettingsFor(env);
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

  /**
   * Counts within the policy's timeout, keeps the decision for the audit log, and answers it:
   * headers, a 429, or what the policy says when the backend failed.
   */
  const decide = async (
    c: Context<AppEnv>,
    scope: RateLimitDecision["scope"],
    backend: RateLimitDecision["backend"],
    policy: RateLimitPolicy,
    count: () => Promise<Counted>,
  ) => {
    let decision: RateLimitDecision;
    try {
      const answer = await withTimeout(count(), policy.timeoutMs);
      if (answer.pending) c.executionCtx.waitUntil(answer.pending.catch(() => undefined));
      const { allowed, limit, remaining, reset } = answer;
      decision = { scope, backend, allowed, limit, remaining, reset, outcome: answer.cached ? "cached" : "counted" };
    } catch (error) {
      console.warn(JSON.stringify({ event: "rate_limit_backend_failed", backend, scope, error: String(error) }));
      const open = policy.onBackendFailure === "open";
      decision = {
        scope,
        backend,
        allowed: open,
        ...(backend === BINDING_BACKEND ? {} : { limit: policy.limit, remaining: 0, reset: 0 }),
        outcome: open ? "fail-open" : "fail-closed",
      };
    }
    c.set("rateLimits", [...(c.get("rateLimits") ?? []), decision]);
    if (decision.outcome === "fail-closed") throw new RateLimitUnavailable();
    if (decision.outcome === "fail-open") return;
    const { limit, remaining, reset } = decision;
    if (limit === undefined || remaining === undefined || reset === undefined) {
      // The binding tells no count: a refusal says only that nothing remains, and a Retry-After
      // that is an upper bound; an admission sends no RateLimit-* header at all.
      if (decision.allowed) return;
      const retryAfter = String(BINDING_RETRY_AFTER_SECONDS);
      throw new RateLimited({ "RateLimit-Remaining": "0", "Retry-After": retryAfter }, scope);
    }
    const headers = rateLimitHeaders({ limit, remaining, reset });
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (!decision.allowed) throw new RateLimited({ ...headers, "Retry-After": headers["RateLimit-Reset"] }, scope);
  };

  /** Counts `cost` units under `key` in the shared store (Redis or the Durable Object). */
  const enforce = (
    c: Context<AppEnv>,
    scope: RateLimitDecision["scope"],
    key: string,
    policy: RateLimitPolicy,
    cost: number,
  ) => {
    const { backend } = configure(c.env);
    return decide(c, scope, backend.name, policy, () => backend.limit(key, policy, cost));
  };

  /**
   * Per principal and function, with the function's policy for the principal's tier, counted
   * while `steps` (middleware that read and validate the input, in order) run. The limit's
   * refusal (429, or 503 when its backend fails closed) outranks any refusal of the steps (400,
   * 413, 415), and the rest of the chain, where model work happens, runs only once the limit has
   * admitted the request. A step starts only while no refusal is known, so a key the isolate
   * already knows to be blocked (no round trip) is in practice refused before its body is parsed.
   */
  const limitByPrincipalWhile = (...steps: MiddlewareHandler<AppEnv>[]) =>
    createMiddleware<AppEnv>(async (c, next) => {
      const policy = functionPolicy(configure(c.env).settings, c.get("fn"), c.get("principal").tier);
      const counting = functionKey(c).then((key) => enforce(c, "principal", key, policy, 1));
      let refusal: { error: unknown } | undefined;
      counting.catch((error: unknown) => {
        refusal = { error };
      });
      let admitted = false;
      const run = async (step: number): Promise<void> => {
        if (refusal) throw refusal.error;
        if (step < steps.length) {
          await steps[step](c, () => run(step + 1));
          return;
        }
        await counting;
        admitted = true;
        await next();
      };
      try {
        await run(0);
      } catch (error) {
        if (!admitted) await counting; // the limit's refusal, if any, is the answer
        throw error;
      }
    });

  return {
    /**
     * Per client network, for every request that needs a token: bad tokens are throttled too.
     * Counted by the Rate Limiting binding when IP_RATE_LIMITER is bound, else in the shared store.
     */
    limitByIp: createMiddleware<AppEnv>(async (c, next) => {
      const policy = ipPolicy(configure(c.env).settings);
      const network = clientNetwork(c.req.header("cf-connecting-ip"), { ipv4: 32, ipv6: policy.ipv6Prefix });
      const key = `ip:${network.kind === "network" ? network.cidr : network.kind}`;
      const binding = c.env.IP_RATE_LIMITER;
      if (binding) await decide(c, "ip", BINDING_BACKEND, policy, () => countByBinding(binding, key));
      else await enforce(c, "ip", key, policy, 1);
      await next();
    }),
    limitByPrincipalWhile,
    /** `limitByPrincipalWhile` with no input to read: the count alone. */
    limitByPrincipal: limitByPrincipalWhile(),
    /**
     * Charges the rest of a batch once its size is known (the first unit was charged already):
     * a batch of N costs what N requests cost.
     */
    async chargeBatch(c: Context<AppEnv>, batch: number) {
      const policy = functionPolicy(configure(c.env).settings, c.get("fn"), c.get("principal").tier);
      if (batch > 1) await enforce(c, "principal", await functionKey(c), policy, batch - 1);
    },
    /** Per principal, for reads: metadata, readiness and listings, apart from inference budgets. */
    limitReads: createMiddleware<AppEnv>(async (c, next) => {
      await enforce(
        c,
        "reads",
        `reads:${await principalDigest(c.get("principal"))}`,
        readPolicy(configure(c.env).settings),
        1,
      );
      await next();
    }),
  };
}

async function functionKey(c: Context<AppEnv>): Promise<string> {
  return `fn:${c.get("fn").name}:${await principalDigest(c.get("principal"))}`;
}

export function rateLimitHeaders(decision: Pick<CountResult, "limit" | "remaining" | "reset">): Record<string, string> {
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
