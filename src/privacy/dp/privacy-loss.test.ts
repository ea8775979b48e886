/**
 * Empirical privacy loss on neighbouring datasets, as Google's DP stochastic tester does
 * (Gilbert and McMillan 2018, "Property testing for differential privacy"): run the noisy count on
 * a dataset D and on D' = D plus one subject's capped contribution many times each, and for every
 * output event S (one value, or every value up to / from a point) bound
 * ln(P_D[S] / P_D'[S]) from below with Clopper-Pearson bounds in the mechanism's favour (the lower
 * bound of one probability over the upper bound of the other). A correct mechanism never shows a
 * bound above its claimed ε; one with half the noise must.
 */
import { describe, expect, it } from "vitest";
import { discreteGaussian } from "./discrete-gaussian";
import { discreteLaplace } from "./discrete-laplace";
import { rational } from "./rational";
import { clopperPearson, histogram } from "./testing/statistics";
import type { Rational } from "./types";
import { gaussianRho, laplaceEpsilon, zcdpToApproxDp } from "./zcdp";

const RUNS = 1_000_000;
/** Chance that any of a test's (Bonferroni-corrected) bounds is wrong: its false-alarm rate. */
const FAMILY_ALPHA = 1e-4;
const CAP = 2;

/** Usage events as pseudonyms, each event one request: the count caps each pseudonym at CAP. */
const dataset = ["a", "a", "a", "b", "c", "c", "d", "e", "e", "e", "e", "f", "g", "g", "h"];
const neighbour = [...dataset, "z", "z", "z", "z", "z"]; // subject z with 5 events, 2 of them counted

function cappedCount(events: string[]): number {
  const perSubject = new Map<string, number>();
  for (const subject of events) perSubject.set(subject, Math.min(CAP, (perSubject.get(subject) ?? 0) + 1));
  return [...perSubject.values()].reduce((sum, count) => sum + count, 0);
}

interface Loss {
  /** The largest lower confidence bound on ln((P_D[S] - δ) / P_D'[S]) over all events and both orders. */
  epsilonLowerBound: number;
  /** The largest point estimate of ln(P_D[S] / P_D'[S]) over events seen at least 1,000 times in both. */
  epsilonEstimate: number;
}

function empiricalLoss(noise: () => number, delta: number): Loss {
  const counts = [cappedCount(dataset), cappedCount(neighbour)];
  expect(counts[1] - counts[0]).toBe(CAP);
  const [first, second] = counts.map((count) => histogram(() => count + noise(), RUNS));
  const values = [...new Set([...first.keys(), ...second.keys()])].sort((a, b) => a - b);
  // Events: each single value, each {x <= v}, each {x >= v}.
  const events: [number, number][] = [];
  const cumulative = (h: Map<number, number>, test: (x: number) => boolean) =>
    [...h].reduce((sum, [x, n]) => (test(x) ? sum + n : sum), 0);
  for (const v of values) {
    events.push([first.get(v) ?? 0, second.get(v) ?? 0]);
    events.push([cumulative(first, (x) => x <= v), cumulative(second, (x) => x <= v)]);
    events.push([cumulative(first, (x) => x >= v), cumulative(second, (x) => x >= v)]);
  }
  const alpha = FAMILY_ALPHA / (4 * events.length); // two bounds per ratio, two orders per event
  let epsilonLowerBound = Number.NEGATIVE_INFINITY;
  let epsilonEstimate = Number.NEGATIVE_INFINITY;
  for (const [a, b] of events) {
    for (const [numerator, denominator] of [
      [a, b],
      [b, a],
    ]) {
      const lower = clopperPearson(numerator, RUNS, alpha).lower - delta;
      const upper = clopperPearson(denominator, RUNS, alpha).upper;
      if (lower > 0) epsilonLowerBound = Math.max(epsilonLowerBound, Math.log(lower / upper));
      if (numerator >= 1000 && denominator >= 1000)
        epsilonEstimate = Math.max(epsilonEstimate, Math.log(numerator / denominator));
    }
  }
  return { epsilonLowerBound, epsilonEstimate };
}

function report(name: string, claimed: number, loss: Loss): void {
  console.log(
    `${name}: claimed ε = ${claimed.toFixed(4)}, empirical lower bound ${loss.epsilonLowerBound.toFixed(4)}, point estimate ${loss.epsilonEstimate.toFixed(4)}`,
  );
}

describe("empirical privacy loss of the capped count (one subject added, sensitivity 2)", () => {
  const scale: Rational = rational(2);
  const epsilon = laplaceEpsilon(CAP, scale); // 1

  it("discrete Laplace, scale 2: no event shows more than the claimed pure ε = 1", () => {
    const loss = empiricalLoss(() => discreteLaplace(scale), 0);
    report("discrete Laplace scale 2", epsilon, loss);
    expect(loss.epsilonLowerBound).toBeLessThanOrEqual(epsilon);
    // The bound is tight: the tails' true ratio is exactly e^ε, and the estimate finds it.
    expect(loss.epsilonEstimate).toBeGreaterThan(0.9 * epsilon);
  });

  it("negative control: the discrete Laplace with half the scale is caught above ε = 1", () => {
    const loss = empiricalLoss(() => discreteLaplace(rational(1)), 0);
    report("discrete Laplace scale 1 claimed as scale 2", epsilon, loss);
    expect(loss.epsilonLowerBound).toBeGreaterThan(epsilon);
  });

  const sigma2 = rational(8);
  const delta = 1e-5;
  const gaussianEpsilon = zcdpToApproxDp(gaussianRho(CAP, sigma2), delta); // rho = 1/4

  it("discrete Gaussian, sigma2 8 (rho 1/4): no event shows more than its (ε, 1e-5)", () => {
    const loss = empiricalLoss(() => discreteGaussian(sigma2), delta);
    report("discrete Gaussian sigma2 8", gaussianEpsilon, loss);
    expect(loss.epsilonLowerBound).toBeLessThanOrEqual(gaussianEpsilon);
  });

  it("negative control: the discrete Gaussian with half the standard deviation is caught above that ε", () => {
    const loss = empiricalLoss(() => discreteGaussian(rational(2)), delta);
    report("discrete Gaussian sigma2 2 claimed as sigma2 8", gaussianEpsilon, loss);
    expect(loss.epsilonLowerBound).toBeGreaterThan(gaussianEpsilon);
  });
});
