/**
 * USAGE_STATISTICS: how much each usage query costs in privacy and how much a tenant may spend, as
 * JSON. Unset, the defaults below: ten queries a day of rho 0.1, one subject counting for at most
 * 10 events a day, ε reported at δ = 1e-6.
 */
import { z } from "zod";
import { UsageStatisticsNotConfigured } from "../../errors";
import { jsonSettings } from "../../json-settings";
import { parseRational } from "../dp";

/** A decimal number as a string, kept exact. */
const decimal = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'a decimal number as a string, e.g. "0.1"')
  .transform((text) => parseRational(text));
const positive = decimal.refine((value) => value.numerator > 0n, "must be above 0");

const schema = z
  .object({
    /** rho spent by one query. */
    rhoPerQuery: positive.default(parseRational("0.1")),
    budget: z
      .object({
        rho: decimal.default(parseRational("1")),
        period: z.enum(["day", "week", "month"]).default("day"),
      })
      .strict()
      .default({ rho: parseRational("1"), period: "day" }),
    /** Events one pseudonym counts for per day, at most. */
    contributionCap: z.number().int().min(1).max(1000).default(10),
    /** The δ at which the spent rho is also reported as (ε, δ). */
    delta: z.number().gt(0).lt(1).default(1e-6),
    /** The longest range one query may ask for. */
    maxDays: z.number().int().min(1).max(366).default(31),
  })
  .strict();

export type UsageSettings = z.output<typeof schema>;

/** The settings, or UsageStatisticsNotConfigured naming what is wrong. */
export const parseUsageSettings = jsonSettings(
  "USAGE_STATISTICS",
  schema,
  (message) => new UsageStatisticsNotConfigured(message),
);
