/**
 * The discrete Gaussian distribution, P(x) ∝ exp(-x²/(2σ²)) over the integers, sampled exactly
 * (Canonne, Kamath and Steinke 2020, Algorithm 3). Adding it to a query with L2 sensitivity Δ is
 * Δ²/(2σ²)-zCDP (their Section 2).
 */
import { bernoulliExp } from "./bernoulli";
import { discreteLaplace, toSafeInteger } from "./discrete-laplace";
import { cryptoRandom } from "./random";
import type { RandomSource, Rational } from "./types";

function integerSquareRoot(value: bigint): bigint {
  if (value < 2n) return value;
  // Newton's iteration from above converges to floor(sqrt(value)).
  let x = BigInt(Math.ceil(Math.sqrt(Number(value)))) + 1n;
  for (;;) {
    const next = (x + value / x) / 2n;
    if (next >= x) return x;
    x = next;
  }
}

/** A draw of the discrete Gaussian with the given (positive, rational) σ², as a safe integer. */
export function discreteGaussian(sigma2: Rational, random: RandomSource = cryptoRandom): number {
  const a = sigma2.numerator;
  const b = sigma2.denominator;
  if (a <= 0n) throw new RangeError("sigma2 must be positive");
  // Rejection from the discrete Laplace with integer scale t = floor(σ) + 1 (floor(σ) is the
  // integer square root of floor(σ²)): keep Y with probability exp(-(|Y| - σ²/t)²/(2σ²)).
  // With σ² = a/b that exponent is (|Y|·b·t - a)² / (2·a·b·t²), all integers.
  const t = integerSquareRoot(a / b) + 1n;
  const scale: Rational = { numerator: t, denominator: 1n };
  const denominator = 2n * a * b * t * t;
  for (;;) {
    const y = BigInt(discreteLaplace(scale, random));
    const centred = (y < 0n ? -y : y) * b * t - a;
    if (bernoulliExp(centred * centred, denominator, random)) return toSafeInteger(y);
  }
}
