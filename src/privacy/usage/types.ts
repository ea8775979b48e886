/**
 * Usage statistics in one page: what a tenant may learn about its own traffic, and what it may not
 * learn about any one of its callers.
 *
 * `GET /v1/usage` (scope `usage:read`) and `npm run audit -- stats` count the tenant's audit events
 * per function, UTC day and outcome, and histogram the latency of served requests per function and
 * day. Each count gets discrete Gaussian noise (src/privacy/dp), so the release is rho-zCDP with
 * respect to one subject: neighbouring logs differ by every event of one pseudonym. To bound what
 * one subject can move, each pseudonym counts for at most `contributionCap` events per day (the
 * first ones; the rest are dropped before counting), so over D days its events change the count
 * vector and the histogram vector by at most cap·√D each in L2, Δ = cap·√(2D) together, and
 * σ² = Δ²/(2rho) = D·cap²/rho exactly. Every cell of the grid (every function, day, outcome and
 * bucket, zero or not) is released, so which cells exist says nothing either.
 *
 * Each query spends `rhoPerQuery` from the tenant's budget for the period (src/privacy/budget),
 * checked and charged atomically before the log is read; spent, the answer is 429
 * `privacy_budget_exhausted` until the period renews. The noise is drawn before the log is read:
 * its cost depends on σ² and the grid's size, both public, never on the data.
 *
 *   settings.ts     USAGE_STATISTICS (JSON) with its defaults
 *   tally.ts        the capped counts over a grid, exact (pure)
 *   release.ts      noise added to every cell, with what each figure carries about its noise
 *   report.ts       the worker's side: query, budget, log, answer
 */
import type { AuditOutcome } from "../../audit/types";

/** Upper bounds (ms) of the latency buckets of served requests; the last one is open. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, Number.POSITIVE_INFINITY] as const;

/** The cells a query asks for: known before any data is read. */
export interface UsageGrid {
  /** The tenant counted: its callers' tokens carry it (undefined: callers without a tenant). */
  tenant: string | undefined;
  functions: string[];
  /** UTC days, `YYYY-MM-DD`. */
  days: string[];
}

export interface CountCell {
  function: string;
  day: string;
  outcome: AuditOutcome;
  count: number;
}

export interface LatencyCell {
  function: string;
  day: string;
  /** The bucket's upper bound in ms; null for the open last one. */
  le: number | null;
  count: number;
}

export interface Tally {
  counts: CountCell[];
  latency: LatencyCell[];
  /** Events dropped by the contribution cap (exact mode only; never released with noise). */
  capped: number;
}
