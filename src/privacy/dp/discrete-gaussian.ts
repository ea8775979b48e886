/**
 * The discrete Gaussian distribution, P(x) ∝ exp(-x²/(2σ²)) over the integers, sampled exactly
 * (Canonne, Kamath and Steinke 2020, Algorithm 3). Adding it to a query with L2 sensitivity Δ is
 * Δ²/(2σ²)-zCDP (their Section 2).
 */
import { bernoulliExp } from "./bernoulli";
import { discreteLaplace } from "./discrete-laplace";
import { cryptoRandom } from "./random";
import type { RandomSource, Rational } from "./types";

const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);
/** The largest integer whose square is a safe integer. */
const MAX_SAFE_SQUARE_ROOT = 94_906_265;

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
  // The same exponent on Numbers when every operand is a safe integer (checked per draw, since
  // |Y| is unbounded), on BigInt otherwise.
  const numbersFit = denominator <= MAX_SAFE_BIGINT;
  const [aNumber, btNumber, denominatorNumber] = [Number(a), Number(b * t), Number(denominator)];
  for (;;) {
    const y = discreteLaplace(scale, random);
    const scaled = Math.abs(y) * btNumber; // beyond MAX_SAFE exactly when the true product is
    const centred = scaled - aNumber;
    const accepted =
      numbersFit && scaled <= Number.MAX_SAFE_INTEGER && Math.abs(centred) <= MAX_SAFE_SQUARE_ROOT
        ? bernoulliExp(centred * centred, denominatorNumber, random)
        : bernoulliExp((BigInt(Math.abs(y)) * b * t - a) ** 2n, denominator, random);
    if (accepted) return y;
  }
}
