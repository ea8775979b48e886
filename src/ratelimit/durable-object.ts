/**
 * The embedded backend: one Durable Object per limited key (SQLite storage), so every isolate
 * that limits the same key talks to the same single-threaded object and no count is lost to a
 * race. Needs nothing outside Cloudflare (or wrangler dev). State expires by alarm.
 */
import { DurableObject } from "cloudflare:workers";
import { decide, type LimiterState } from "./algorithms";
import type { CountResult, RateLimitBackend, RateLimitPolicy } from "./types";

export class RateLimiter extends DurableObject {
  async limit(policy: RateLimitPolicy, cost: number): Promise<CountResult> {
    const now = Date.now();
    const stored = await this.ctx.storage.get<LimiterState>("state");
    const { answer, state, expiresAt } = decide(policy, stored, cost, now);
    await this.ctx.storage.put("state", state);
    await this.ctx.storage.setAlarm(expiresAt);
    return answer;
  }

  override async alarm() {
    await this.ctx.storage.deleteAll();
  }
}

/** Blocked keys remembered in the isolate until their reset, as @upstash/ratelimit's ephemeral cache does. */
const blockedUntil = new Map<string, number>();

export function durableObjectBackend(namespace: DurableObjectNamespace<RateLimiter>): RateLimitBackend {
  return {
    name: "durable-object",
    async limit(key, policy, cost) {
      const blocked = blockedUntil.get(key);
      if (blocked !== undefined && blocked > Date.now()) {
        return { allowed: false, limit: policy.limit, remaining: 0, reset: blocked, cached: true };
      }
      const answer = await namespace.get(namespace.idFromName(key)).limit(policy, cost);
      if (answer.allowed) blockedUntil.delete(key);
      else blockedUntil.set(key, answer.reset);
      return answer;
    },
  };
}
