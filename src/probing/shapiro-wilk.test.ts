import { describe, expect, it } from "vitest";
import { inverseNormal, shapiroWilk } from "./shapiro-wilk";

/** Spread-out points of (0, 1), the same as the Python that computed the expected values used. */
const grid = (n: number) => Array.from({ length: n }, (_, i) => (((i * 7919) % 1009) + 0.5) / 1009);
const SAMPLES: Record<string, (n: number) => number[]> = {
  uniform: grid,
  skewed: (n) => grid(n).map((u) => -Math.log(u)),
  normalish: (n) => grid(n).map(inverseNormal),
};

describe("Shapiro-Wilk W", () => {
  // scipy.stats.shapiro(x).statistic, scipy 1.17.1, for x = the same samples (norm.ppf for normalish).
  it.each([
    [3, "uniform", 0.8790342574982762],
    [4, "skewed", 0.6763945283828987],
    [5, "uniform", 0.9585400060048833],
    [6, "skewed", 0.6405011124262414],
    [11, "normalish", 0.9002131857165718],
    [20, "skewed", 0.6695107542765173],
    [50, "uniform", 0.954818582506777],
    [200, "normalish", 0.9989001594824756],
    [1000, "skewed", 0.8168701204573081],
  ])("n = %i (%s) matches scipy", (n, kind, expected) => {
    expect(shapiroWilk(SAMPLES[kind](n))).toBeCloseTo(expected, 7);
  });

  it("does not depend on the order, the location or the scale of the values", () => {
    const values = SAMPLES.skewed(40);
    const w = shapiroWilk(values);
    expect(shapiroWilk([...values].reverse().map((v) => 3 * v - 7))).toBeCloseTo(w, 12);
  });

  it("needs three values", () => {
    expect(() => shapiroWilk([1, 2])).toThrow(RangeError);
  });
});

describe("the normal quantile", () => {
  it.each([
    [0.5, 0],
    [0.975, 1.959963984540054],
    [0.01, -2.3263478740408408],
    [1e-6, -4.753424308822899],
  ])("at %f is %f, within Acklam's relative error", (p, z) => {
    expect(Math.abs(inverseNormal(p) - z)).toBeLessThanOrEqual(1.2e-9 * Math.max(1, Math.abs(z)));
  });
});
