import { describe, expect, it } from "vitest";
import { gaussianInterval, laplaceInterval } from "./interval";
import { discreteGaussianPmf, discreteLaplacePmf } from "./pmf";
import { parseRational } from "./rational";

// Reference half-widths computed once with python3 and mpmath at 40 digits: the smallest k with
// P(|X| <= k) >= confidence, from the exact mass functions (the discrete Gaussian's normaliser by
// summation, or for σ² = 10^6 by Poisson summation; the discrete Laplace's tail 2p^(k+1)/(1+p)).
describe("noise intervals", () => {
  const halfWidth = { gaussian: gaussianInterval, laplace: laplaceInterval };
  it.each([
    ["gaussian", "1", [2, 2, 1]],
    ["gaussian", "6.25", [5, 6, 2]],
    ["gaussian", "100", [20, 26, 7]],
    ["gaussian", "1000000", [1960, 2576, 674]],
    ["gaussian", "0.1", [0, 1, 0]],
    ["laplace", "1", [3, 4, 1]],
    ["laplace", "3.5", [10, 16, 2]],
    ["laplace", "100", [300, 461, 69]],
    ["laplace", "0.25", [0, 1, 0]],
  ] as const)("discrete %s with parameter %s at 95%, 99%, 50%", (kind, parameter, expected) => {
    const widths = [0.95, 0.99, 0.5].map((confidence) => halfWidth[kind](parseRational(parameter), confidence));
    expect(widths).toEqual(expected);
  });

  it("mass functions sum to one", () => {
    for (const pmf of [discreteGaussianPmf(parseRational("0.3")), discreteLaplacePmf(parseRational("7/2"))]) {
      let total = 0;
      for (let x = -2000; x <= 2000; x++) total += pmf(x);
      expect(total).toBeCloseTo(1, 14);
    }
  });

  it("refuses a confidence outside (0, 1)", () => {
    expect(() => gaussianInterval(parseRational("1"), 1)).toThrow(RangeError);
    expect(() => laplaceInterval(parseRational("1"), 0)).toThrow(RangeError);
  });
});
