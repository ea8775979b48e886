/** The little vector arithmetic the attacks share, on flat Float32Arrays (row-major tensors). */

export type Norm = "2" | "inf";

export function l2(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  return Math.sqrt(sum);
}

export function linf(v: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
  return max;
}

export function norm(v: ArrayLike<number>, which: Norm): number {
  return which === "2" ? l2(v) : linf(v);
}

/** a - b, in float64 so the norms of small perturbations are not rounded away. */
export function difference(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>, which: Norm): number {
  return norm(difference(a, b), which);
}

/** `x` with every element clipped to [min, max], in place. */
export function clipInPlace(x: Float32Array, [min, max]: readonly [number, number]): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] = x[i] < min ? min : x[i] > max ? max : x[i];
  return x;
}

/** The index of the largest element (the first, on ties). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** Scores as probabilities: as they are when they already sum to 1 and are non-negative, else softmax. */
export function probabilities(scores: ArrayLike<number>): Float64Array {
  let sum = 0;
  let negative = false;
  for (let i = 0; i < scores.length; i++) {
    sum += scores[i];
    negative ||= scores[i] < 0;
  }
  if (!negative && Math.abs(sum - 1) < 1e-4) return Float64Array.from(scores);
  const max = Math.max(...Array.from(scores));
  const exps = Float64Array.from(scores, (s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}
