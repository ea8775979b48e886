/**
 * How far the noise can be expected to move a released figure: the smallest integer k with
 * P(|noise| <= k) >= confidence, from the exact mass functions, so that a figure can be reported
 * as "value ± k at 95%".
 */
import { discreteGaussianPmf, discreteLaplacePmf } from "./pmf";
import type { Rational } from "./types";

function symmetricHalfWidth(pmf: (x: number) => number, confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1): ${confidence}`);
  let covered = pmf(0);
  let k = 0;
  while (covered < confidence) {
    k++;
    covered += 2 * pmf(k);
  }
  return k;
}

/** Half-width of the interval that holds discrete Gaussian noise with σ² with this probability. */
export function gaussianInterval(sigma2: Rational, confidence: number): number {
  return symmetricHalfWidth(discreteGaussianPmf(sigma2), confidence);
}

/** Half-width of the interval that holds discrete Laplace noise of this scale with this probability. */
export function laplaceInterval(scale: Rational, confidence: number): number {
  return symmetricHalfWidth(discreteLaplacePmf(scale), confidence);
}
