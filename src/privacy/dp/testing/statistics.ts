/**
 * The statistics the DP tests need, without scipy: the chi-squared goodness-of-fit test (its
 * p-value from the regularised incomplete gamma function) and Clopper-Pearson bounds (quantiles of
 * the beta distribution, by bisection on the regularised incomplete beta function). Textbook
 * algorithms (Numerical Recipes, 3rd ed., 6.1-6.4): Lanczos' log-gamma, a series and a continued
 * fraction for the incomplete gamma, Lentz's continued fraction for the incomplete beta.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7: about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPSILON = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

/** Q(a, x) = Γ(a, x)/Γ(a), the upper regularised incomplete gamma function. */
export function regularizedGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const logFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // Series for P(a, x), then Q = 1 - P.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS && Math.abs(term) > Math.abs(sum) * EPSILON; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return 1 - sum * Math.exp(logFront);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPSILON) break;
  }
  return Math.exp(logFront) * h;
}

/** P(χ²_df >= statistic): the p-value of a chi-squared statistic. */
export function chiSquaredPValue(statistic: number, degreesOfFreedom: number): number {
  return regularizedGammaQ(degreesOfFreedom / 2, statistic / 2);
}

/** Lentz's continued fraction for the incomplete beta function (Numerical Recipes betacf). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    const even = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + even * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + even / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + odd * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + odd / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPSILON) break;
  }
  return h;
}

/** I_x(a, b), the regularised incomplete beta function: the beta(a, b) distribution's CDF at x. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  // The continued fraction converges fast below the mean; above it, use I_x(a, b) = 1 - I_(1-x)(b, a).
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** The p-quantile of the beta(a, b) distribution, by bisection on its CDF. */
export function betaQuantile(p: number, a: number, b: number): number {
  let low = 0;
  let high = 1;
  for (let i = 0; i < 200 && high - low > 0; i++) {
    const middle = (low + high) / 2;
    if (middle === low || middle === high) break;
    if (regularizedBeta(middle, a, b) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/**
 * One-sided Clopper-Pearson bounds for a binomial proportion after `successes` of `trials`: each
 * holds with probability at least 1 - alpha.
 */
export function clopperPearson(successes: number, trials: number, alpha: number): { lower: number; upper: number } {
  return {
    lower: successes === 0 ? 0 : betaQuantile(alpha, successes, trials - successes + 1),
    upper: successes === trials ? 1 : betaQuantile(1 - alpha, successes + 1, trials - successes),
  };
}

/** Counts of each value drawn. */
export function histogram(draw: () => number, draws: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < draws; i++) {
    const value = draw();
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

export interface GoodnessOfFit {
  statistic: number;
  degreesOfFreedom: number;
  pValue: number;
  /** K: the bins are every integer in (-K, K) and the two pooled tails x <= -K and x >= K. */
  halfWidth: number;
}

/**
 * Pearson's chi-squared test of integer draws against a symmetric, unimodal mass function. K is
 * the last integer expected at least 5 times; the bins are each integer in (-K, K) and the pooled
 * tails x <= -K and x >= K, so every bin expects at least 5 (a tail at least n·pmf(K)).
 */
export function chiSquaredGoodnessOfFit(counts: Map<number, number>, pmf: (x: number) => number): GoodnessOfFit {
  const n = [...counts.values()].reduce((sum, count) => sum + count, 0);
  let halfWidth = 0;
  while (n * pmf(halfWidth + 1) >= 5) halfWidth++;
  // Tail mass summed term by term (1 - Σ would cancel), until the terms no longer count.
  let tail = 0;
  for (let x = halfWidth; pmf(x) > tail * 1e-17; x++) tail += pmf(x);
  let statistic = 0;
  const add = (observed: number, expected: number) => {
    statistic += (observed - expected) ** 2 / expected;
  };
  let lowTail = 0;
  let highTail = 0;
  for (const [value, count] of counts) {
    if (value <= -halfWidth) lowTail += count;
    else if (value >= halfWidth) highTail += count;
  }
  for (let x = -halfWidth + 1; x < halfWidth; x++) add(counts.get(x) ?? 0, n * pmf(x));
  add(lowTail, n * tail);
  add(highTail, n * tail);
  const degreesOfFreedom = 2 * halfWidth; // 2K - 1 interior bins and 2 tails, less one
  return { statistic, degreesOfFreedom, pValue: chiSquaredPValue(statistic, degreesOfFreedom), halfWidth };
}
