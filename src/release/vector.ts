/** Small operations on score vectors that several postprocessors share. */
import type { Scores } from "./types";

export function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}

/** The index of the highest score; the first of equal ones, as NumPy's argmax. */
export function argmax(scores: Scores): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/**
 * Scaled to sum to 1. Where ART would divide by a zero sum (every score clipped away) and release
 * NaN, this releases the uniform distribution, which says nothing.
 */
export function normalise(scores: Scores): number[] {
  const sum = scores.reduce((a, b) => a + b, 0);
  return sum > 0 ? scores.map((x) => x / sum) : scores.map(() => 1 / scores.length);
}
