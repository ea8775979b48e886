/**
 * USAGE_STATISTICS: how much each usage query costs in privacy and how much a tenant may spend, as
 * JSON. Unset, the defaults below: ten queries a day of rho 0.1, one subject counting for at most
 * 10 events a day, ε reported at δ = 1e-6.
 */
import { z } from "zod";
import { UsageStatisticsNotConfigured } from "../../errors";
import { parseRational } from "../dp";
import type { Rational } from "../dp/types";

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a decimal number as a string, e.g. "0.1"');

const schema = z
  .object({
    /** rho spent by one query: a decimal string, kept exact. */
    rhoPerQuery: decimal.default("0.1"),
    budget: z
      .object({
        rho: decimal.default("1"),
        period: z.enum(["day", "week", "month"]).default("day"),
      })
      .strict()
      .default({ rho: "1", period: "day" }),
    /** Events one pseudonym counts for per day, at most. */
    contributionCap: z.number().int().min(1).max(1000).default(10),
    /** The δ at which the spent rho is also reported as (ε, δ). */
    delta: z.number().gt(0).lt(1).default(1e-6),
    /** The longest range one query may ask for. */
    maxDays: z.number().int().min(1).max(366).default(31),
  })
  .strict();

export interface UsageSettings {
  rhoPerQuery: Rational;
  budget: { rho: Rational; period: "day" | "week" | "month" };
  contributionCap: number;
  delta: number;
  maxDays: number;
}

const parsed = new Map<string | undefined, UsageSettings>();

/** The settings, or UsageStatisticsNotConfigured naming what is wrong. */
export function parseUsageSettings(json: string | undefined): UsageSettings {
  const known = parsed.get(json);
  if (known) return known;
  let raw: unknown = {};
  if (json !== undefined && json.trim() !== "") {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new UsageStatisticsNotConfigured("not JSON");
    }
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UsageStatisticsNotConfigured(`${issue.path.join(".") || "settings"}: ${issue.message}`);
  }
  const { rhoPerQuery, budget, ...rest } = result.data;
  const settings = {
    ...rest,
    rhoPerQuery: parseRational(rhoPerQuery),
    budget: { rho: parseRational(budget.rho), period: budget.period },
  };
  if (settings.rhoPerQuery.numerator === 0n) throw new UsageStatisticsNotConfigured("rhoPerQuery must be above 0");
  parsed.set(json, settings);
  return settings;
}
