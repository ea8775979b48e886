/** The answer of `GET /v1/usage`, as zod: the report is typed by it and the OpenAPI document built from it. */
import { z } from "zod";
import { AUDIT_OUTCOMES } from "../../audit/types";

const day = z.string().describe("a UTC day, YYYY-MM-DD");
const noisy = z.number().int().describe("the true count plus integer discrete Gaussian noise (may be negative)");
const plusMinus95 = z.number().int().min(0).describe("the noise is within ± this with probability 0.95");

export const usageReportSchema = z.object({
  tenant: z.string().nullable().describe("the caller's tenant (null: callers without one)"),
  from: day,
  to: day,
  privacy: z.object({
    mechanism: z.literal("discrete_gaussian"),
    unit: z.literal("subject").describe("the guarantee covers one subject's events, added or removed"),
    contributionCapPerDay: z.number().int().describe("events one subject counts for per day, at most"),
    l2Sensitivity: z.number().describe("Δ = cap·√(2·days)"),
    sigma: z.number().describe("the noise's σ (σ² = days·cap²/rho, exactly)"),
    plusMinus95,
    rho: z.number().describe("zCDP cost of this answer"),
    epsilon: z.number().describe("this answer's guarantee as (ε, δ)-DP"),
    delta: z.number(),
  }),
  budget: z.object({
    period: z.string().describe("the budget period: a day, `week-<monday>` or a month"),
    rho: z.number().describe("the tenant's budget per period"),
    spentRho: z.number(),
    remainingRho: z.number(),
    spentEpsilon: z.number().describe("what is spent, as ε at the same δ"),
    renews: z.string().describe("when the next period starts, ISO 8601"),
  }),
  counts: z.array(z.object({ function: z.string(), day, outcome: z.enum(AUDIT_OUTCOMES), count: noisy, plusMinus95 })),
  latency: z.array(
    z.object({
      function: z.string(),
      day,
      le: z.number().nullable().describe("the bucket's upper bound in ms; null for the last, open one"),
      count: noisy,
      plusMinus95,
    }),
  ),
});

export type UsageReport = z.infer<typeof usageReportSchema>;
