import { describe, expect, it } from "vitest";
import { robustAccuracyCurve, summarize } from "./metrics";
import type { ExampleResult } from "./run";

const result = (r: Partial<ExampleResult> & { index: number }): ExampleResult => ({
  label: 1,
  prediction: 1,
  adversarialLabel: 1,
  attacked: true,
  success: false,
  queries: 10,
  l2: 0,
  linf: 0,
  relative: 0,
  ...r,
});

// Four examples: one misclassified to begin with, two broken (one within eps, one beyond), one held.
const results = [
  result({ index: 0, prediction: 2, adversarialLabel: 2, attacked: false, queries: 1 }),
  result({ index: 1, adversarialLabel: 0, success: true, l2: 1, linf: 0.2, relative: 0.1, queries: 30 }),
  result({ index: 2, adversarialLabel: 3, success: false, l2: 5, linf: 0.9, relative: 0.5, queries: 100 }),
  result({ index: 3, queries: 100 }),
];

describe("the summary, under ART's names", () => {
  it("counts misclassified examples against robust accuracy, and only attacked ones in the success rate", () => {
    expect(summarize(results)).toEqual({
      samples: 4,
      clean_accuracy: 0.75,
      adversarial_accuracy: 0.5,
      attack_success_rate: 1 / 3,
      empirical_robustness: 0.1,
      median_l2: 1,
      median_linf: 0.2,
      queries: { total: 231, mean: 57.75, median: 65, max: 100 },
    });
  });

  it("gives robust accuracy at each budget from the closest adversarial inputs found", () => {
    expect(robustAccuracyCurve(results, "2", [0, 1, 4.9, 5, 10])).toEqual([
      { budget: 0, accuracy: 0.75 },
      { budget: 1, accuracy: 0.5 },
      { budget: 4.9, accuracy: 0.5 },
      { budget: 5, accuracy: 0.25 },
      { budget: 10, accuracy: 0.25 },
    ]);
  });
});
