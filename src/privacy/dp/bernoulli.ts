/**
 * Exact Bernoulli trials with rational and exp(-rational) success probabilities: the building
 * blocks of Canonne, Kamath and Steinke (2020), Algorithm 1.
 */
import { uniformBelow, uniformBelowBigInt } from "./random";
import type { RandomSource } from "./types";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Bernoulli(numerator / denominator) for 0 <= numerator <= denominator. */
export function bernoulli(numerator: bigint, denominator: bigint, random: RandomSource): boolean {
  return uniformBelowBigInt(denominator, random) < numerator;
}

/**
 * Bernoulli(exp(-γ)) for γ = numerator/denominator in [0, 1]: draw A_k ~ Bernoulli(γ/k) for
 * k = 1, 2, ... until one fails. All of the first k succeed with probability γ^k/k!, so the first
 * failure comes at an odd k with probability Σ_j (-γ)^j/j! = exp(-γ) exactly (CKS Algorithm 1,
 * the γ ∈ [0, 1] case).
 */
function bernoulliExpAtMostOne(numerator: bigint, denominator: bigint, random: RandomSource): boolean {
  // This loop is the hot path of every sampler: it runs on Numbers while denominator·k is a safe
  // integer (then Number() of both is exact), on BigInt beyond.
  const n = Number(numerator);
  const d = Number(denominator);
  let k = 1;
  for (;;) {
    const success =
      d * k <= MAX_SAFE
        ? uniformBelow(d * k, random) < n
        : uniformBelowBigInt(denominator * BigInt(k), random) < numerator;
    if (!success) return k % 2 === 1;
    k++;
  }
}

/**
 * Bernoulli(exp(-γ)) for any rational γ = numerator/denominator >= 0: exp(-γ) is
 * exp(-1)^floor(γ) · exp(-(γ - floor(γ))), a product of independent trials that stops at the
 * first failure (CKS Algorithm 1, the γ > 1 case).
 */
export function bernoulliExp(numerator: bigint, denominator: bigint, random: RandomSource): boolean {
  if (numerator < 0n || denominator <= 0n) throw new RangeError("γ must be a non-negative rational");
  let whole = numerator / denominator;
  // exp(-1) trials are the commonest call (every geometric draw): they skip the BigInt division.
  for (; whole > 0n; whole--) if (!bernoulliExpAtMostOne(1n, 1n, random)) return false;
  return bernoulliExpAtMostOne(numerator % denominator, denominator, random);
}

/** Bernoulli(exp(-1)), the trial a geometric draw repeats. */
export function bernoulliExpMinusOne(random: RandomSource): boolean {
  return bernoulliExpAtMostOne(1n, 1n, random);
}
