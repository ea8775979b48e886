/**
 * The Shapiro-Wilk W statistic (Royston 1992, algorithm AS R94, as scipy's `swilk.c` computes it),
 * which PRADA tests the distances between a caller's queries with. Only W is needed, not its
 * p-value: PRADA compares W with a threshold. Checked against scipy.stats.shapiro in the tests.
 */

/** AS R94's polynomials for the two largest coefficients, in 1/sqrt(n). */
const C1 = [0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056];
const C2 = [0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633];

export function shapiroWilk(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 3) throw new RangeError("Shapiro-Wilk needs at least 3 values");
  const x = Float64Array.from(values).sort();
  const coefficients = coefficientsFor(n);
  const mean = x.reduce((sum, v) => sum + v, 0) / n;
  let numerator = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    numerator += coefficients[i] * x[i];
    squares += (x[i] - mean) ** 2;
  }
  // All values equal: no spread to compare; treat as perfectly (un)informative.
  if (squares === 0) return 1;
  return Math.min(1, (numerator * numerator) / squares);
}

const cache = new Map<number, Float64Array>();

/** The n coefficients a_i, antisymmetric (a_i = -a_{n+1-i}), normalised to unit length. */
function coefficientsFor(n: number): Float64Array {
  const cached = cache.get(n);
  if (cached) return cached;
  const half = Math.floor(n / 2);
  const a = new Float64Array(half);
  if (n === 3) {
    a[0] = Math.SQRT1_2;
  } else {
    const m = Array.from({ length: half }, (_, i) => inverseNormal((i + 1 - 0.375) / (n + 0.25)));
    const summ2 = 2 * m.reduce((sum, v) => sum + v * v, 0);
    const ssumm2 = Math.sqrt(summ2);
    const rsn = 1 / Math.sqrt(n);
    const a1 = polynomial(C1, rsn) - m[0] / ssumm2;
    let first: number;
    let fac: number;
    if (n > 5) {
      const a2 = -m[1] / ssumm2 + polynomial(C2, rsn);
      fac = Math.sqrt((summ2 - 2 * m[0] ** 2 - 2 * m[1] ** 2) / (1 - 2 * a1 ** 2 - 2 * a2 ** 2));
      a[1] = a2;
      first = 2;
    } else {
      fac = Math.sqrt((summ2 - 2 * m[0] ** 2) / (1 - 2 * a1 ** 2));
      first = 1;
    }
    a[0] = a1;
    for (let i = first; i < half; i++) a[i] = -m[i] / fac;
  }
  const coefficients = new Float64Array(n);
  for (let i = 0; i < half; i++) {
    coefficients[n - 1 - i] = a[i];
    coefficients[i] = -a[i];
  }
  cache.set(n, coefficients);
  return coefficients;
}

function polynomial(c: number[], x: number): number {
  let result = 0;
  for (let i = c.length - 1; i >= 0; i--) result = result * x + c[i];
  return result;
}

/**
 * The standard normal quantile, by Acklam's rational approximation (relative error below
 * 1.2e-9), for AS R94's expected normal order statistics.
 */
export function inverseNormal(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError("p must be in (0, 1)");
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  // The lower tail, the central region, and the upper tail by symmetry.
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    return (
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    );
  }
  const q = Math.sqrt(-2 * Math.log(1 - p));
  return (
    -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  );
}
