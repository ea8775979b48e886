/**
 * Replays recorded queries through the detector as one principal would send them, for measuring
 * it: when each rung of the ladder is first reached, and how many queries were flagged. The same
 * projection and monitor as the worker's (no network, no Durable Object), so the figures in the
 * README are the detector's own.
 */
import { emptyMonitor, observe } from "./monitor";
import { summarizeScores } from "./observation";
import type { Projector } from "./projection";
import type { ProbingLevel, ProbingPolicy } from "./types";

export interface RecordedQuery {
  input: ArrayLike<number>;
  scores: ArrayLike<number>;
}

export interface ReplayResult {
  queries: number;
  flagged: number;
  /** The 1-based query at which each level was first reached. */
  firstReached: Partial<Record<ProbingLevel, number>>;
}

export function replay(queries: readonly RecordedQuery[], project: Projector, policy: ProbingPolicy): ReplayResult {
  const state = emptyMonitor();
  const result: ReplayResult = { queries: queries.length, flagged: 0, firstReached: {} };
  queries.forEach((query, i) => {
    const verdict = observe(
      state,
      { projection: project(query.input), ...summarizeScores(query.scores), at: i },
      policy,
    );
    if (verdict.signals.boundary || verdict.signals.duplicates || verdict.signals.prada) result.flagged++;
    result.firstReached[verdict.level] ??= i + 1;
  });
  return result;
}
