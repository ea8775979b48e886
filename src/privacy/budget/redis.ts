/** Privacy budget ledgers in Redis: one integer per tenant and period, checked and charged by one script. */
import { Redis } from "@upstash/redis/cloudflare";
import type { BudgetLedger } from "./types";

/** KEYS[1] the period's total; ARGV: charge, budget, expiry (unix s). Returns {granted, spent}. */
const CHARGE = `local spent = tonumber(redis.call('get', KEYS[1]) or '0')
local charge = tonumber(ARGV[1])
if spent + charge > tonumber(ARGV[2]) then return {0, spent} end
spent = redis.call('incrby', KEYS[1], charge)
redis.call('expireat', KEYS[1], ARGV[3])
return {1, spent}`;

export function redisLedger(url: string, token: string): BudgetLedger {
  const redis = new Redis({ url, token, retry: false, enableTelemetry: false });
  return {
    async charge(tenantKey, period, microRho, budgetMicroRho) {
      const key = `bastion:privacy-budget:${tenantKey}:${period.id}`;
      // Kept a day past its period, then Redis forgets it.
      const expires = Math.ceil(period.renews.getTime() / 1000) + 86_400;
      const [granted, spent] = (await redis.eval(CHARGE, [key], [microRho, budgetMicroRho, expires])) as [
        number,
        number,
      ];
      return { granted: granted === 1, spentMicroRho: Number(spent) };
    },
  };
}
