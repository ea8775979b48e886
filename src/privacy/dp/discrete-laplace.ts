/**
 * The discrete Laplace distribution, P(x) ∝ exp(-|x|/scale) over the integers, sampled exactly
 * (Canonne, Kamath and Steinke 2020, Algorithm 2). Adding it to a count with L1 sensitivity Δ is
 * (Δ/scale)-DP.
 */
import { bernoulliExpAtMostOne } from "./bernoulli";
import { cryptoRandom, uniformBelow } from "./random";
import type { RandomSource, Rational } from "./types";

const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A draw of the discrete Laplace with the given positive scale (numerator and denominator safe
 * integers: "0.001" is fine, 20 significant digits are refused), as a safe integer.
 */
export function discreteLaplace(scale: Rational, random: RandomSource = cryptoRandom): number {
  // For scale = t/s the algorithm draws X = U + t·V with U uniform on [0, t) kept with
  // probability exp(-U/t) and V geometric with ratio exp(-1): X is geometric with ratio
  // exp(-1/t), so floor(X/s) is geometric with ratio exp(-s/t). A random sign makes it two-sided,
  // drawing the negative zero again so that 0 is not counted twice.
  if (scale.numerator <= 0n) throw new RangeError("scale must be positive");
  if (scale.numerator > MAX_SAFE_BIGINT || scale.denominator > MAX_SAFE_BIGINT)
    throw new RangeError("scale's numerator and denominator must be safe integers");
  const t = Number(scale.numerator);
  const s = Number(scale.denominator);
  for (;;) {
    const u = uniformBelow(t, random);
    if (!bernoulliExpAtMostOne(u, t, random)) continue;
    let v = 0;
    while (bernoulliExpAtMostOne(1, 1, random)) v++;
    // Exact on Numbers while X is a safe integer (a rounded t·v beyond it stays beyond it), on
    // BigInt past it.
    const x = u + t * v;
    const magnitude =
      x <= Number.MAX_SAFE_INTEGER
        ? (x - (x % s)) / s
        : toSafeInteger((BigInt(u) + scale.numerator * BigInt(v)) / scale.denominator);
    const negative = random.nextUint32() >>> 31 === 1;
    if (negative && magnitude === 0) continue;
    return negative ? -magnitude : magnitude;
  }
}

/** A sampled integer as a Number, refusing (rather than rounding) one beyond 2^53. */
function toSafeInteger(value: bigint): number {
  const result = Number(value);
  if (!Number.isSafeInteger(result)) throw new RangeError("noise beyond the safe integers: the scale is too large");
  return result;
}
