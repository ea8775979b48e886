/**
 * The Rényi DP accountant for DP-SGD: the Poisson-subsampled Gaussian mechanism (each example in a
 * step with probability q, Gaussian noise of `noiseMultiplier` times the clipping norm), composed
 * over `steps`, then converted to (ε, δ).
 *
 * RDP of one step at order α is log(A_α) / (α - 1) (Mironov, Talwar and Zhang 2019,
 * arXiv:1908.10530, Sec. 3.3): a binomial sum for integer α, two erfc-weighted series for
 * fractional α. This follows Opacus's opacus/accountants/analysis/rdp.py term for term (itself TF
 * Privacy's rdp_accountant.py), including its signed series for fractional orders; RDP adds up
 * over steps.
 *
 * The conversion to (ε, δ) is Balle et al. 2020 ("Hypothesis testing interpretations and Rényi
 * differential privacy", Theorem 21): ε = rdp_α + log(1 - 1/α) - (log δ + log α) / (α - 1),
 * minimised over the orders. Opacus's `get_privacy_spent` and TF Privacy's current accounting
 * (dp_accounting's `compute_epsilon`, which `compute_dp_sgd_privacy` calls) both use it; it gives
 * a smaller ε than the older rdp - log δ / (α - 1) (Mironov 2017), which TF Privacy's tutorials
 * quote.
 */

/** The orders TF Privacy's `compute_dp_sgd_privacy` searches. */
export const DEFAULT_ORDERS: readonly number[] = [
  1.25,
  1.5,
  1.75,
  2,
  2.25,
  2.5,
  3,
  3.5,
  4,
  4.5,
  ...Array.from({ length: 59 }, (_, i) => i + 5),
  128,
  256,
  512,
];

export interface SubsampledGaussian {
  /** Each example's probability of being in a step (Poisson sampling). */
  sampleRate: number;
  /** Noise standard deviation over the clipping norm (the L2 sensitivity). */
  noiseMultiplier: number;
  steps: number;
}

/** RDP of `steps` subsampled Gaussian steps at each order (Infinity where there is none). */
export function subsampledGaussianRdp(
  { sampleRate: q, noiseMultiplier: sigma, steps }: SubsampledGaussian,
  orders: readonly number[] = DEFAULT_ORDERS,
): number[] {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate ${q} is not in [0, 1]`);
  if (!(sigma >= 0)) throw new RangeError(`noise multiplier ${sigma} is negative`);
  return orders.map((alpha) => {
    if (q === 0) return 0;
    if (sigma === 0 || alpha === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
    if (q === 1) return (steps * alpha) / (2 * sigma ** 2);
    const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
    return (steps * logA) / (alpha - 1);
  });
}

export interface PrivacySpent {
  epsilon: number;
  /** The order the minimum was found at: at either end of the list, a wider list may do better. */
  order: number;
}

/** The smallest ε over the orders for this δ (Balle et al. 2020, Theorem 21). */
export function rdpToEpsilon(orders: readonly number[], rdp: readonly number[], delta: number): PrivacySpent {
  if (orders.length !== rdp.length) throw new RangeError("one RDP value per order");
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta ${delta} is not in (0, 1)`);
  let best: PrivacySpent = { epsilon: Number.POSITIVE_INFINITY, order: Number.NaN };
  orders.forEach((alpha, i) => {
    const epsilon = rdp[i] + Math.log1p(-1 / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);
    if (epsilon < best.epsilon) best = { epsilon, order: alpha };
  });
  return best;
}

/** ε at δ for DP-SGD with Poisson sampling, over the default orders. */
export function dpSgdEpsilon(mechanism: SubsampledGaussian, delta: number): PrivacySpent {
  return rdpToEpsilon(DEFAULT_ORDERS, subsampledGaussianRdp(mechanism), delta);
}

/** log(A_α) for integer α: log Σ_i C(α, i) q^i (1-q)^(α-i) exp((i² - i) / 2σ²). */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = Number.NEGATIVE_INFINITY;
  let logCoefficient = 0; // log C(α, 0)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logCoefficient += Math.log(alpha - i + 1) - Math.log(i);
    const term = logCoefficient + i * Math.log(q) + (alpha - i) * Math.log(1 - q) + (i * i - i) / (2 * sigma ** 2);
    logA = logAdd(logA, term);
  }
  return logA;
}

/**
 * log(A_α) for fractional α: the integrals over (-∞, z0] and [z0, ∞) as series in i, whose
 * binomial coefficients C(α, i) change sign once i passes α; summed until both terms fall below
 * e^-30, as the references do.
 */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = Number.NEGATIVE_INFINITY;
  let logA1 = Number.NEGATIVE_INFINITY;
  const z0 = sigma ** 2 * Math.log(1 / q - 1) + 0.5;
  let coefficient = 1; // C(α, 0)
  for (let i = 0; ; i++) {
    if (i > 0) coefficient *= (alpha - i + 1) / i;
    const logCoefficient = Math.log(Math.abs(coefficient));
    const j = alpha - i;
    const logT0 = logCoefficient + i * Math.log(q) + j * Math.log(1 - q);
    const logT1 = logCoefficient + j * Math.log(q) + i * Math.log(1 - q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma ** 2) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma ** 2) + logE1;
    if (coefficient > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSubtract(logA0, logS0);
      logA1 = logSubtract(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30) return logAdd(logA0, logA1);
  }
}

/** log(e^x + e^y) without leaving log space. */
function logAdd(x: number, y: number): number {
  const [low, high] = x < y ? [x, y] : [y, x];
  return low === Number.NEGATIVE_INFINITY ? high : Math.log1p(Math.exp(low - high)) + high;
}

/** log(e^x - e^y), x >= y. */
function logSubtract(x: number, y: number): number {
  if (x < y) throw new RangeError("log-space subtraction would go negative");
  if (y === Number.NEGATIVE_INFINITY) return x;
  if (x === y) return Number.NEGATIVE_INFINITY;
  return Math.log(Math.expm1(x - y)) + y;
}

/** Where the continued fraction takes over from the series (both are accurate on either side). */
const CONTINUED_FRACTION_FROM = 3;
const CONTINUED_FRACTION_TERMS = 200;

/**
 * log(erfc(x)), accurate far into the tail where erfc itself underflows (scipy's log_ndtr, which
 * the references call, plays this part): a continued fraction for erfc(x)·e^(x²) above 3, the
 * all-positive series for erf below, and erfc(x) = 2 - erfc(-x) for negative x.
 */
export function logErfc(x: number): number {
  if (x < 0) return Math.log(2 - Math.exp(logErfc(-x)));
  if (x < CONTINUED_FRACTION_FROM) return Math.log1p(-erfSeries(x));
  // erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
  let tail = x;
  for (let n = CONTINUED_FRACTION_TERMS; n >= 1; n--) tail = x + n / 2 / tail;
  return -x * x - Math.log(tail) - 0.5 * Math.log(Math.PI);
}

/** erf(x) = 2/√π · e^(-x²) · Σ 2^n x^(2n+1) / (1·3·…·(2n+1)): no cancellation for x >= 0. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; term > sum * Number.EPSILON; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}
