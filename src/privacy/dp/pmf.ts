/**
 * The probability mass functions the samplers draw from, in floating point: for reporting
 * (`interval.ts`) and for testing the samplers against, never for drawing noise.
 */
import { toNumber } from "./rational";
import type { Rational } from "./types";

/** P(X = x) = tanh(1/(2·scale)) · exp(-|x|/scale), the discrete Laplace's mass at x. */
export function discreteLaplacePmf(scale: Rational): (x: number) => number {
  const b = toNumber(scale);
  // tanh(1/(2b)) = (1 - e^(-1/b)) / (1 + e^(-1/b)), the normalising constant, without cancellation.
  const normaliser = Math.tanh(1 / (2 * b));
  return (x) => normaliser * Math.exp(-Math.abs(x) / b);
}

/** Beyond this σ², Σ_x exp(-x²/(2σ²)) equals sqrt(2πσ²) to double precision (Poisson summation: the error term is 2·exp(-2π²σ²) < 1e-130). */
const POISSON_SUMMATION_FROM = 16;

/** P(X = x) = exp(-x²/(2σ²)) / Σ_y exp(-y²/(2σ²)), the discrete Gaussian's mass at x. */
export function discreteGaussianPmf(sigma2: Rational): (x: number) => number {
  const s2 = toNumber(sigma2);
  const weight = (x: number) => Math.exp(-(x * x) / (2 * s2));
  let normaliser = Math.sqrt(2 * Math.PI * s2);
  if (s2 < POISSON_SUMMATION_FROM) {
    normaliser = 1;
    for (let x = 1; weight(x) > 0; x++) normaliser += 2 * weight(x);
  }
  return (x) => weight(x) / normaliser;
}
