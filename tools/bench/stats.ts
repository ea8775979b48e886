/** Order statistics for the benchmark: medians and spreads, never means of noisy samples. */

export const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
export const median = (values: number[]) => quantile(values, 0.5);
export const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Median with its interquartile range and extremes: how far one run's figure can be trusted. */
export function spread(values: number[], digits = 3) {
  return {
    median: round(median(values), digits),
    q1: round(quantile(values, 0.25), digits),
    q3: round(quantile(values, 0.75), digits),
    min: round(Math.min(...values), digits),
    max: round(Math.max(...values), digits),
    n: values.length,
  };
}

/** p50 and p99 of each kind's samples, in ms. */
export const percentiles = (samplesByKind: Record<string, number[]>, digits = 3) =>
  Object.fromEntries(
    Object.entries(samplesByKind).map(([kind, samples]) => [
      kind,
      { p50: round(median(samples), digits), p99: round(quantile(samples, 0.99), digits), requests: samples.length },
    ]),
  );
