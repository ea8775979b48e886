/**
 * The samplers against their exact mass functions: Pearson's chi-squared on 10^6 draws each, with
 * the crypto source. A correct sampler passes at p > 1e-4 (a false alarm one run in 10^4 per case);
 * the same test must reject, at p < 1e-6, the samplers a careless implementation would ship.
 */
import { describe, expect, it } from "vitest";
import { bernoulliExp } from "./bernoulli";
import { discreteGaussian } from "./discrete-gaussian";
import { discreteLaplace } from "./discrete-laplace";
import { discreteGaussianPmf, discreteLaplacePmf } from "./pmf";
import { parseRational, rational, toNumber } from "./rational";
import { seededRandom } from "./testing/seeded-random";
import { chiSquaredGoodnessOfFit, clopperPearson, histogram } from "./testing/statistics";
import type { Rational } from "./types";

const DRAWS = 1_000_000;
const PASS = 1e-4;
const REJECT = 1e-6;

function goodnessOfFit(draw: () => number, pmf: (x: number) => number) {
  const started = performance.now();
  const result = chiSquaredGoodnessOfFit(histogram(draw, DRAWS), pmf);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `chi2 = ${result.statistic.toFixed(1)}, df = ${result.degreesOfFreedom}, p = ${result.pValue.toPrecision(3)} (${seconds.toFixed(1)} s)`,
  );
  return result;
}

/** Mironov's (2012) textbook Laplace: a double from Math.random through the inverse CDF, rounded. */
function roundedFloatLaplace(scale: number): number {
  const u = Math.random() - 0.5;
  return Math.round(-scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u)));
}

/** A rounded Box-Muller normal: what "discrete Gaussian" becomes with floats. */
function roundedFloatGaussian(sigma2: number): number {
  return Math.round(Math.sqrt(-2 * Math.log(1 - Math.random()) * sigma2) * Math.cos(2 * Math.PI * Math.random()));
}

/** The right sampler with the parameter 10% off. */
const tenPercentMore = (value: Rational) => rational(value.numerator * 11n, value.denominator * 10n);

describe("discrete Laplace", () => {
  it.each(["1", "7/2"])("matches its mass function at scale %s", (setting) => {
    const scale = parseRational(setting);
    expect(goodnessOfFit(() => discreteLaplace(scale), discreteLaplacePmf(scale)).pValue).toBeGreaterThan(PASS);
  });

  it("rejects the float-rounded Laplace and a 10% wrong scale", () => {
    const scale = rational(1);
    expect(goodnessOfFit(() => roundedFloatLaplace(1), discreteLaplacePmf(scale)).pValue).toBeLessThan(REJECT);
    const wrong = tenPercentMore(rational(7, 2));
    expect(goodnessOfFit(() => discreteLaplace(wrong), discreteLaplacePmf(rational(7, 2))).pValue).toBeLessThan(REJECT);
  });
});

describe("discrete Gaussian", () => {
  it.each(["1", "25/4"])("matches its mass function at sigma2 %s", (setting) => {
    const sigma2 = parseRational(setting);
    expect(goodnessOfFit(() => discreteGaussian(sigma2), discreteGaussianPmf(sigma2)).pValue).toBeGreaterThan(PASS);
  });

  it("rejects the float-rounded normal and a 10% wrong sigma2", () => {
    expect(goodnessOfFit(() => roundedFloatGaussian(1), discreteGaussianPmf(rational(1))).pValue).toBeLessThan(REJECT);
    const wrong = tenPercentMore(rational(25, 4));
    expect(goodnessOfFit(() => discreteGaussian(wrong), discreteGaussianPmf(rational(25, 4))).pValue).toBeLessThan(
      REJECT,
    );
  });

  it("matches its mass function where the acceptance trials run on BigInt (sigma2 = 2 + 1e-18, 2·10^5 draws)", () => {
    // The acceptance exponent's denominator 2·a·b·t² is about 4·10^36, far past the safe integers.
    const sigma2 = parseRational("2.000000000000000001");
    const counts = histogram(() => discreteGaussian(sigma2), 200_000);
    expect(chiSquaredGoodnessOfFit(counts, discreteGaussianPmf(sigma2)).pValue).toBeGreaterThan(PASS);
  });

  it("handles a sigma2 whose arithmetic leaves the safe integers (1e-9 resolution, sigma2 ~ 1e6)", () => {
    const sigma2 = parseRational("1000000.000000001");
    const random = seededRandom(7);
    let sum = 0;
    let squares = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const x = discreteGaussian(sigma2, random);
      sum += x;
      squares += x * x;
    }
    // Mean 0 and variance σ² within five standard errors (var of x² is 2σ⁴).
    expect(Math.abs(sum / n)).toBeLessThan(5 * Math.sqrt(toNumber(sigma2) / n));
    expect(Math.abs(squares / n - toNumber(sigma2))).toBeLessThan(5 * toNumber(sigma2) * Math.sqrt(2 / n));
  });
});

describe("Bernoulli(exp(-γ))", () => {
  it.each([
    [0n, 1n],
    [1n, 3n],
    [1n, 1n],
    [5n, 2n],
    [123456789012345678901n, 98765432109876543210n],
  ])("succeeds with probability exp(-%d/%d) (two-sided Clopper-Pearson at 1e-6)", (numerator, denominator) => {
    const trials = 200_000;
    const random = seededRandom(Number(numerator % 1000n));
    let successes = 0;
    for (let i = 0; i < trials; i++) if (bernoulliExp(numerator, denominator, random)) successes++;
    const expected = Math.exp(-Number(numerator) / Number(denominator));
    const { lower, upper } = clopperPearson(successes, trials, 1e-6);
    expect(lower).toBeLessThanOrEqual(expected);
    expect(upper).toBeGreaterThanOrEqual(expected);
  });
});

describe("released values", () => {
  it("are safe integers: the true count plus an integer noise that does not depend on it", () => {
    for (const value of [0, 1, 17, 1_000_003, 2 ** 40 + 1]) {
      const laplace = value + discreteLaplace(rational(7, 2), seededRandom(42));
      const gaussian = value + discreteGaussian(rational(25, 4), seededRandom(42));
      expect(Number.isSafeInteger(laplace)).toBe(true);
      expect(Number.isSafeInteger(gaussian)).toBe(true);
      // The same seed gives the same noise whatever the value: nothing of v leaks into the noise.
      expect(laplace - value).toBe(discreteLaplace(rational(7, 2), seededRandom(42)));
      expect(gaussian - value).toBe(discreteGaussian(rational(25, 4), seededRandom(42)));
    }
    const random = seededRandom(1);
    for (let i = 0; i < 10_000; i++) {
      expect(Number.isSafeInteger(discreteLaplace(rational(1, 3), random))).toBe(true);
      expect(Number.isSafeInteger(discreteGaussian(rational(2, 7), random))).toBe(true);
    }
  });

  it("refuses parameters that are not positive, or a Laplace scale it cannot hold exactly", () => {
    expect(() => discreteLaplace(rational(0))).toThrow(RangeError);
    expect(() => discreteGaussian(rational(-1))).toThrow(RangeError);
    // A Laplace scale with 20 significant digits would leave the safe integers: refused, not rounded.
    expect(() => discreteLaplace(parseRational("0.12345678901234567890"))).toThrow(RangeError);
  });
});
