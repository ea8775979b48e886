/**
 * The noisy release of a tally: discrete Gaussian noise on every cell, drawn before the data is
 * read (`drawNoise`), added after (`releaseTally`). Everything released is an integer.
 *
 * The exact samplers take longer for larger noise, and noise plus the figure is the true count, so
 * a query must not be timed drawing its own noise: `noisePool` draws each query's noise after the
 * previous query's answer has gone (in `waitUntil`), and only an isolate's first query of a shape
 * draws inline.
 */
import { discreteGaussian, gaussianInterval, rational, toNumber } from "../dp";
import type { RandomSource, Rational } from "../dp/types";
import type { Tally } from "./types";

export interface NoisePlan {
  /** Per subject: at most `contributionCap` events per day, over `days` days. */
  contributionCap: number;
  days: number;
  /** Δ = cap·√(2·days): one subject's effect on the counts and histogram vectors together, in L2. */
  l2Sensitivity: number;
  rho: Rational;
  /** σ² = days·cap²/rho, exact, so that Δ²/(2σ²) = rho. */
  sigma2: Rational;
  /** Half-width of the interval holding each cell's noise with probability 0.95. */
  plusMinus95: number;
  /** One draw per cell, counts first, then the histogram, in the tally's order. */
  draws: number[];
}

type NoiseSettings = { contributionCap: number; rho: Rational };

/** Noise drawn ahead, one plan per query shape (cap, rho, days, cells), for the next query of that shape. */
export function noisePool(maxShapes = 64) {
  const ready = new Map<string, NoisePlan>();
  const shape = (settings: NoiseSettings, days: number, cells: number) =>
    JSON.stringify([
      settings.contributionCap,
      String(settings.rho.numerator),
      String(settings.rho.denominator),
      days,
      cells,
    ]);
  return {
    /** A plan drawn earlier if there is one (never handed out twice), else one drawn now. */
    take(settings: NoiseSettings, days: number, cells: number): NoisePlan {
      const key = shape(settings, days, cells);
      const plan = ready.get(key);
      ready.delete(key);
      return plan ?? drawNoise(settings, days, cells);
    },
    /** Draws the next plan of this shape, for after the current answer has gone. */
    refill(settings: NoiseSettings, days: number, cells: number): void {
      if (ready.size >= maxShapes) ready.clear();
      ready.set(shape(settings, days, cells), drawNoise(settings, days, cells));
    },
  };
}

export function drawNoise(settings: NoiseSettings, days: number, cells: number, random?: RandomSource): NoisePlan {
  const { contributionCap: cap, rho } = settings;
  const sigma2 = rational(BigInt(days * cap * cap) * rho.denominator, rho.numerator);
  const draws = Array.from({ length: cells }, () => discreteGaussian(sigma2, random));
  return {
    contributionCap: cap,
    days,
    l2Sensitivity: cap * Math.sqrt(2 * days),
    rho,
    sigma2,
    plusMinus95: gaussianInterval(sigma2, 0.95),
    draws,
  };
}

export interface ReleasedTally {
  counts: (Tally["counts"][number] & { plusMinus95: number })[];
  latency: (Tally["latency"][number] & { plusMinus95: number })[];
}

/** The tally with the plan's noise added, cell by cell. */
export function releaseTally(tally: Tally, plan: NoisePlan): ReleasedTally {
  if (plan.draws.length !== tally.counts.length + tally.latency.length)
    throw new Error("the noise plan was drawn for another grid");
  let next = 0;
  const noisy = <T extends { count: number }>(cell: T) => ({
    ...cell,
    count: cell.count + plan.draws[next++],
    plusMinus95: plan.plusMinus95,
  });
  return { counts: tally.counts.map(noisy), latency: tally.latency.map(noisy) };
}

/** σ for people: the square root of the exact σ². */
export const sigmaOf = (plan: NoisePlan) => Math.sqrt(toNumber(plan.sigma2));
