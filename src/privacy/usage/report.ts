/**
 * `GET /v1/usage`: the caller's tenant's usage statistics. The steps run in an order that matters:
 * the days asked for are checked, the noise for every cell is drawn, the budget is charged (refused:
 * 429), and only then is the log read and counted.
 */
import type { Context } from "hono";
import { z } from "zod";
import { eventsIn } from "../../audit/read";
import { AUDIT_OUTCOMES, type AuditEvent } from "../../audit/types";
import type { AppEnv } from "../../env";
import { InvalidInput, PrivacyBudgetExhausted } from "../../errors";
import { base64url } from "../../models/base64url";
import { parseWith } from "../../request/body";
import { periodOf } from "../budget/period";
import { budgetLedgers } from "../budget/store";
import { toNumber, zcdpToApproxDp } from "../dp";
import type { Rational } from "../dp/types";
import { reachStore } from "../reach-store";
import { type NoisePlan, noisePool, releaseTally, sigmaOf } from "./release";
import type { UsageReport } from "./schema";
import { parseUsageSettings } from "./settings";
import { tallyUsage } from "./tally";
import { LATENCY_BUCKETS_MS, type UsageGrid } from "./types";

const DAY_MS = 86_400_000;
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a UTC day, YYYY-MM-DD");
const usageQuery = z.object({ from: day.optional(), to: day.optional() });

export function usageReports(functions: string[]) {
  const ledgers = budgetLedgers();
  const noise = noisePool();
  return async (c: Context<AppEnv>): Promise<UsageReport> => {
    const settings = parseUsageSettings(c.env.USAGE_STATISTICS);
    const now = new Date();
    const days = requestedDays(parseWith(usageQuery, c.req.query()), now, settings.maxDays);
    const tenant = c.get("principal").tenant;
    const shape = [
      { contributionCap: settings.contributionCap, rho: settings.rhoPerQuery },
      days.length,
      gridCells({ tenant, functions, days }),
    ] as const;
    const plan = noise.take(...shape);
    // The next query's noise, drawn once this answer has gone (a macrotask later, not in its time).
    c.executionCtx.waitUntil(new Promise((resolve) => setTimeout(resolve, 0)).then(() => noise.refill(...shape)));

    const period = periodOf(settings.budget.period, now);
    const budgetMicroRho = microRho(settings.budget.rho, "down");
    const charge = await reachStore(
      ledgers(c.env).charge(await tenantKey(tenant), period, microRho(settings.rhoPerQuery, "up"), budgetMicroRho),
      "privacy budget ledger",
    );
    if (!charge.granted) {
      const seconds = Math.max(1, Math.ceil((period.renews.getTime() - now.getTime()) / 1000));
      throw new PrivacyBudgetExhausted(seconds, period.renews.toISOString());
    }

    const events = eventsIn(await readDays(c.env.AUDIT_BUCKET, days));
    const grid = { tenant, functions, days };
    const spentRho = charge.spentMicroRho / 1e6;
    return {
      ...releaseUsage(events, grid, plan, settings),
      budget: {
        period: period.id,
        rho: budgetMicroRho / 1e6,
        spentRho,
        remainingRho: (budgetMicroRho - charge.spentMicroRho) / 1e6,
        spentEpsilon: zcdpToApproxDp(spentRho, settings.delta),
        renews: period.renews.toISOString(),
      },
    };
  };
}

/** The noisy statistics of `events` over `grid`, with what the noise is: the worker's answer and the CLI's. */
export function releaseUsage(
  events: AuditEvent[],
  grid: UsageGrid,
  plan: NoisePlan,
  settings: { delta: number },
): Omit<UsageReport, "budget"> {
  const rho = toNumber(plan.rho);
  return {
    tenant: grid.tenant ?? null,
    from: grid.days[0],
    to: grid.days[grid.days.length - 1],
    privacy: {
      mechanism: "discrete_gaussian",
      unit: "subject",
      contributionCapPerDay: plan.contributionCap,
      l2Sensitivity: plan.l2Sensitivity,
      sigma: sigmaOf(plan),
      plusMinus95: plan.plusMinus95,
      rho,
      epsilon: zcdpToApproxDp(rho, settings.delta),
      delta: settings.delta,
    },
    ...releaseTally(tallyUsage(events, grid, plan.contributionCap), plan),
  };
}

/** How many cells a grid has: what the noise must be drawn for. */
export const gridCells = (grid: UsageGrid) =>
  grid.functions.length * grid.days.length * (AUDIT_OUTCOMES.length + LATENCY_BUCKETS_MS.length);

/** The UTC days from `from` to `to` inclusive; by default the last 7 ending today. */
function requestedDays(query: { from?: string; to?: string }, now: Date, maxDays: number): string[] {
  const to = query.to ? Date.parse(`${query.to}T00:00:00Z`) : Date.parse(now.toISOString().slice(0, 10));
  const from = query.from ? Date.parse(`${query.from}T00:00:00Z`) : to - 6 * DAY_MS;
  if (Number.isNaN(from) || Number.isNaN(to))
    throw new InvalidInput("invalid_request", "from and to must be real days");
  if (from > to) throw new InvalidInput("invalid_request", "from must not be after to");
  const count = (to - from) / DAY_MS + 1;
  if (count > maxDays) throw new InvalidInput("range_too_long", `at most ${maxDays} days per query`);
  return Array.from({ length: count }, (_, i) => new Date(from + i * DAY_MS).toISOString().slice(0, 10));
}

/**
 * The log's objects that can hold events of these days: an object is filed under the hour of its
 * first event, so the day before the first may hold some too.
 */
async function readDays(bucket: R2Bucket, days: string[]) {
  const before = new Date(Date.parse(`${days[0]}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
  const objects: { name: string; body: string }[] = [];
  for (const date of [before, ...days]) {
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix: `audit/date=${date}/`, cursor });
      for (const { key } of page.objects) {
        const object = await bucket.get(key);
        if (object) objects.push({ name: key, body: await object.text() });
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }
  return objects;
}

/** Millionths of rho, rounded against the tenant: charges up, budgets down. */
function microRho(value: Rational, rounding: "up" | "down"): number {
  const scaled = value.numerator * 1_000_000n;
  const whole = scaled / value.denominator;
  return Number(rounding === "up" && whole * value.denominator < scaled ? whole + 1n : whole);
}

async function tenantKey(tenant: string | undefined): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify([tenant ?? null])));
  return base64url.encode(new Uint8Array(digest));
}
