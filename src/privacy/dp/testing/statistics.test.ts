import { describe, expect, it } from "vitest";
import { betaQuantile, chiSquaredPValue, clopperPearson, regularizedBeta } from "./statistics";

// Reference values computed once on this machine with python3 and SciPy 1.17.1:
// scipy.stats.beta.ppf(p, a, b), scipy.special.betainc(a, b, x) and scipy.stats.chi2.sf(x, df).
describe("test statistics against SciPy", () => {
  it.each([
    [0.3, 1, 1, 0.3],
    [0.025, 5, 3, 0.2904208637373427],
    [0.9, 0.5, 0.5, 0.9755282581475768],
    [1e-6, 2, 998, 1.4170053445245932e-6],
    [0.975, 1000, 50, 0.9644187423273651],
    [1e-5, 12, 999989, 2.4415095625233232e-6],
    [0.99999, 3, 999998, 1.6553407952823543e-5],
    [1e-4, 500000, 500001, 0.4981399986566578],
  ])("beta.ppf(%d, %d, %d) = %d", (p, a, b, expected) => {
    expect(betaQuantile(p, a, b) / expected).toBeCloseTo(1, 9);
  });

  it("betainc", () => {
    expect(regularizedBeta(0.3, 2, 5)).toBeCloseTo(0.5798250000000003, 13);
  });

  it.each([
    [10, 10, 0.44049328506521257],
    [3.5, 1, 0.0613688291394023],
    [150, 100, 0.0009039320423540184],
    [20, 50, 0.9999530506185732],
    [400, 30, 2.7954938576565057e-66],
  ])("chi2.sf(%d, %d) = %d", (statistic, df, expected) => {
    expect(chiSquaredPValue(statistic, df) / expected).toBeCloseTo(1, 9);
  });

  it("Clopper-Pearson bounds bracket the proportion and are the beta quantiles", () => {
    const { lower, upper } = clopperPearson(12, 1_000_000, 1e-5);
    expect(lower).toBeCloseTo(2.4415095625233232e-6, 15);
    expect(upper).toBeGreaterThan(12e-6);
    expect(clopperPearson(0, 100, 0.05).lower).toBe(0);
    expect(clopperPearson(100, 100, 0.05).upper).toBe(1);
  });
});
