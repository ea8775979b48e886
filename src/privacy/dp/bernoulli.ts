/**
 * Exact Bernoulli trials with exp(-rational) success probabilities: Algorithm 1 of Canonne, Kamath
 * and Steinke (2020), the building block of both samplers.
 */
import { uniformBelow, uniformBelowBigInt } from "./random";
import type { RandomSource } from "./types";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** A safe integer or a bigint: callers pass what they have, without converting. */
type Integer = number | bigint;

/**
 * Bernoulli(exp(-γ)) for γ = numerator/denominator in [0, 1]: draw A_k ~ Bernoulli(γ/k) for
 * k = 1, 2, ... until one fails. All of the first k succeed with probability γ^k/k!, so the first
 * failure comes at an odd k with probability Σ_j (-γ)^j/j! = exp(-γ) exactly.
 */
export function bernoulliExpAtMostOne(numerator: Integer, denominator: Integer, random: RandomSource): boolean {
  // The hot loop of every sampler: Bernoulli(γ/k) is "a uniform integer below denominator·k is
  // below numerator", on Numbers while denominator·k is a safe integer (Number() of either is then
  // exact, numerator being smaller), on BigInt beyond.
  const n = Number(numerator);
  const d = Number(denominator);
  let k = 1;
  for (;;) {
    const success =
      d * k <= MAX_SAFE
        ? uniformBelow(d * k, random) < n
        : uniformBelowBigInt(BigInt(denominator) * BigInt(k), random) < BigInt(numerator);
    if (!success) return k % 2 === 1;
    k++;
  }
}

/**
 * Bernoulli(exp(-γ)) for any rational γ = numerator/denominator >= 0: exp(-γ) is
 * exp(-1)^floor(γ) · exp(-(γ - floor(γ))), a product of independent trials that stops at the
 * first failure. Both operands are safe-integer Numbers (the fast path) or both are bigints.
 */
export function bernoulliExp(numerator: number, denominator: number, random: RandomSource): boolean;
export function bernoulliExp(numerator: bigint, denominator: bigint, random: RandomSource): boolean;
export function bernoulliExp(numerator: Integer, denominator: Integer, random: RandomSource): boolean {
  if (numerator < 0 || denominator <= 0) throw new RangeError("γ must be a non-negative rational");
  if (typeof numerator === "number" && typeof denominator === "number") {
    if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator))
      throw new RangeError("γ's numerator and denominator must be safe integers");
    // On safe integers % is exact, and so is dividing out the multiple it leaves.
    const remainder = numerator % denominator;
    for (let whole = (numerator - remainder) / denominator; whole > 0; whole--) {
      if (!bernoulliExpAtMostOne(1, 1, random)) return false;
    }
    return bernoulliExpAtMostOne(remainder, denominator, random);
  }
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  for (let whole = n / d; whole > 0n; whole--) {
    if (!bernoulliExpAtMostOne(1, 1, random)) return false;
  }
  return bernoulliExpAtMostOne(n % d, d, random);
}
