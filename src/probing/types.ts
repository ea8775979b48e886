/**
 * Detecting probing and model extraction, per principal and function.
 *
 * Every answered query leaves an observation: a keyed random projection of its input (so no raw
 * input is kept), the label the model gave, and the margin between its two best scores. Three
 * signals read a principal's recent observations:
 *
 * - **boundary**: the share of answers near the decision boundary, against the function's normal
 *   share. Decision-based attacks (HopSkipJump) probe the boundary by construction.
 * - **near-duplicates**: the share of queries whose nearest earlier query is much closer than
 *   natural inputs are to each other. Score-based attacks (Square, SimBA) walk in small steps
 *   from one input.
 * - **PRADA** (Juuti et al., EuroS&P 2019): the minimum distances between a caller's successive
 *   queries and their earlier ones are roughly normal for natural inputs and not for synthetic
 *   ones; a Shapiro-Wilk W below a threshold flags the caller.
 *
 * A flagged query is a strike. Strikes climb a ladder (`ProbingLadder`): flag in the audit log,
 * then label-only answers, then 429 `probing_suspected`, then the principal stopped for the
 * function until an operator clears it. A window without a flagged query forgives the strikes
 * (not a stop).
 */

export interface ProbingPolicy {
  /** Which signals may flag: distances mean little for some inputs (audio frames of one stream). */
  signals: { boundary: boolean; duplicates: boolean; prada: boolean };
  /** Observations kept per principal and function (the window the shares are measured over). */
  window: number;
  /** Fewest observations before any signal may flag. */
  minObservations: number;
  /** An answer whose two best scores differ by less than this is near the boundary. */
  boundaryMargin: number;
  /** The function's normal share of near-boundary answers (measured on benign traffic). */
  boundaryBaseline: number;
  /** A query nearer than this to an earlier one (projected L2, relative to the input's norm) is a near-duplicate. */
  duplicateRadius: number;
  /** Share of near-duplicates in the window that flags. */
  duplicateShare: number;
  /** PRADA's threshold on Shapiro-Wilk W. */
  pradaDelta: number;
  /** Observations forgotten after this many seconds (stops are not). */
  ttlSeconds: number;
  ladder: ProbingLadder;
  /** Tiers observed and recorded but never hindered: sanctioned red teams. */
  watchOnlyTiers: string[];
  /** When the monitor cannot be reached: refuse (closed, the default) or answer unwatched (open). */
  onMonitorFailure: "closed" | "open";
}

/** Strikes at which each rung starts. */
export interface ProbingLadder {
  labelOnly: number;
  refuse: number;
  stop: number;
}

export type ProbingLevel = "none" | "flagged" | "label-only" | "refused" | "stopped";

export interface Observation {
  /** The keyed projection of the input. */
  projection: Float32Array;
  /** The label the model gave. */
  label: number;
  /** Best score minus second best, in [0, 1]. */
  margin: number;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface Verdict {
  level: ProbingLevel;
  strikes: number;
  /** Which signals flagged this query. */
  signals: { boundary: boolean; duplicates: boolean; prada: boolean };
}
