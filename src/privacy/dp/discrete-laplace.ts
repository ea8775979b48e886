/**
 * The discrete Laplace distribution, P(x) ∝ exp(-|x|/scale) over the integers, sampled exactly
 * (Canonne, Kamath and Steinke 2020, Algorithm 2). Adding it to a count with L1 sensitivity Δ is
 * (Δ/scale)-DP.
 */
import { bernoulliExp, bernoulliExpMinusOne } from "./bernoulli";
import { cryptoRandom, uniformBelowBigInt } from "./random";
import type { RandomSource, Rational } from "./types";

/** A draw of the discrete Laplace with the given (positive, rational) scale, as a safe integer. */
export function discreteLaplace(scale: Rational, random: RandomSource = cryptoRandom): number {
  // For scale = t/s the algorithm draws X = U + t·V with U uniform on [0, t) kept with
  // probability exp(-U/t) and V geometric with ratio exp(-1): X is geometric with ratio
  // exp(-1/t), so floor(X/s) is geometric with ratio exp(-s/t). A random sign makes it two-sided,
  // drawing the negative zero again so that 0 is not counted twice.
  const t = scale.numerator;
  const s = scale.denominator;
  if (t <= 0n) throw new RangeError("scale must be positive");
  for (;;) {
    const u = uniformBelowBigInt(t, random);
    if (!bernoulliExp(u, t, random)) continue;
    let v = 0n;
    while (bernoulliExpMinusOne(random)) v++;
    const magnitude = (u + t * v) / s;
    const negative = random.nextUint32() >>> 31 === 1;
    if (negative && magnitude === 0n) continue;
    return toSafeInteger(negative ? -magnitude : magnitude);
  }
}

/** A sampled integer as a Number, refusing (rather than rounding) one beyond 2^53. */
export function toSafeInteger(value: bigint): number {
  const result = Number(value);
  if (!Number.isSafeInteger(result)) throw new RangeError("noise beyond the safe integers: the scale is too large");
  return result;
}
