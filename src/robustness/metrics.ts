/**
 * A run's summary, under ART's metric names where ART has one (art/metrics/metrics.py,
 * art/utils.py):
 *
 * - `clean_accuracy`: the share of examples the model gets right unattacked.
 * - `adversarial_accuracy` (robust accuracy): the share it still gets right under attack, within
 *   the run's `eps` when it has one. An example it got wrong to begin with counts as wrong.
 * - `attack_success_rate`: of the examples attacked (those classified right), the share whose
 *   label the attack changed (within `eps`), as ART's `compute_success` judges it (untargeted:
 *   the adversarial prediction differs from the clean one).
 * - `empirical_robustness`: the mean of ||perturbation|| / ||x|| over successful examples, in the
 *   attack's norm (ART's `empirical_robustness`).
 * - `median_l2`, `median_linf`: of the successful perturbations; `queries`: per example.
 */
import type { ExampleResult } from "./run";
import { mean, median } from "./vectors";

export interface Summary {
  samples: number;
  clean_accuracy: number;
  adversarial_accuracy: number;
  attack_success_rate: number | null;
  empirical_robustness: number | null;
  median_l2: number | null;
  median_linf: number | null;
  queries: { total: number; mean: number | null; median: number | null; max: number };
}

export function summarize(results: readonly ExampleResult[]): Summary {
  const attacked = results.filter((r) => r.attacked);
  const successes = attacked.filter((r) => r.success);
  const queries = results.map((r) => r.queries);
  return {
    samples: results.length,
    clean_accuracy: share(results, (r) => r.attacked),
    adversarial_accuracy: share(results, (r) => r.attacked && !r.success),
    attack_success_rate: attacked.length === 0 ? null : successes.length / attacked.length,
    empirical_robustness: mean(successes.map((r) => r.relative)),
    median_l2: median(successes.map((r) => r.l2)),
    median_linf: median(successes.map((r) => r.linf)),
    queries: {
      total: queries.reduce((a, b) => a + b, 0),
      mean: mean(queries),
      median: median(queries),
      max: Math.max(0, ...queries),
    },
  };
}

/**
 * Robust accuracy as a function of the budget: at each budget, the share of examples classified
 * right whose closest adversarial input found (in `norm`) is farther than the budget. An upper
 * bound, like every attack's: a stronger attack can only lower it. For an attack bounded by its
 * own eps (Square), budgets beyond it say nothing new.
 */
export function robustAccuracyCurve(
  results: readonly ExampleResult[],
  norm: "2" | "inf",
  budgets: readonly number[],
): { budget: number; accuracy: number }[] {
  const distanceOf = (r: ExampleResult) => (norm === "2" ? r.l2 : r.linf);
  const found = (r: ExampleResult) => r.adversarialLabel !== r.prediction;
  return budgets.map((budget) => ({
    budget,
    accuracy: share(results, (r) => r.attacked && !(found(r) && distanceOf(r) <= budget)),
  }));
}

function share<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  return items.length === 0 ? 0 : items.filter(predicate).length / items.length;
}
