/**
 * The report's plots as inline SVG strings, no library and no external asset: a line chart
 * (robust accuracy against the perturbation budget, one line per run) and a histogram
 * (perturbation norms). Elements carry classes and data attributes so tests and readers can
 * find each series, point and bar.
 */

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

const WIDTH = 560;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 16, bottom: 44, left: 56 };
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

export function lineChart(options: {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  yMax?: number;
}): string {
  const xs = options.series.flatMap((s) => s.points.map((p) => p.x));
  const xMax = Math.max(1e-12, ...xs);
  const yMax = options.yMax ?? Math.max(1e-12, ...options.series.flatMap((s) => s.points.map((p) => p.y)));
  const x = (v: number) => MARGIN.left + (v / xMax) * PLOT_W;
  const y = (v: number) => MARGIN.top + PLOT_H - (v / yMax) * PLOT_H;
  const lines = options.series.map((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const coordinates = s.points.map((p) => `${fixed(x(p.x))},${fixed(y(p.y))}`).join(" ");
    const dots = s.points
      .map(
        (p) =>
          `<circle class="point" cx="${fixed(x(p.x))}" cy="${fixed(y(p.y))}" r="2.5" fill="${colour}">` +
          `<title>${escapeHtml(s.name)}: ${fixed(p.x, 4)} -> ${fixed(p.y, 3)}</title></circle>`,
      )
      .join("");
    const legend = `<text x="${MARGIN.left + 8}" y="${MARGIN.top + 14 + 14 * i}" fill="${colour}" font-size="12">${escapeHtml(s.name)}</text>`;
    return `<g class="series" data-series="${escapeHtml(s.name)}"><polyline class="curve" fill="none" stroke="${colour}" stroke-width="1.5" points="${coordinates}"/>${dots}${legend}</g>`;
  });
  return svg(options.id, options.title, axes(xMax, yMax, options.xLabel, options.yLabel) + lines.join(""));
}

/** `values` counted into `bins` equal bins from 0 to their maximum; every bin drawn, empty ones flat. */
export function histogram(options: {
  id: string;
  title: string;
  xLabel: string;
  values: number[];
  bins: number;
}): string {
  const xMax = Math.max(1e-12, ...options.values);
  const counts = new Array(options.bins).fill(0);
  for (const v of options.values) counts[Math.min(options.bins - 1, Math.floor((v / xMax) * options.bins))]++;
  const yMax = Math.max(1, ...counts);
  const barWidth = PLOT_W / options.bins;
  const bars = counts.map((count, i) => {
    const h = (count / yMax) * PLOT_H;
    const from = (i * xMax) / options.bins;
    return (
      `<rect class="bar" data-count="${count}" x="${fixed(MARGIN.left + i * barWidth + 1)}" y="${fixed(MARGIN.top + PLOT_H - h)}" ` +
      `width="${fixed(barWidth - 2)}" height="${fixed(h)}" fill="#1f77b4">` +
      `<title>${fixed(from, 4)} to ${fixed(from + xMax / options.bins, 4)}: ${count}</title></rect>`
    );
  });
  return svg(options.id, options.title, axes(xMax, yMax, options.xLabel, "examples") + bars.join(""));
}

/** Two signals over each other (audio: the original and the adversarial waveform). */
export function waveform(
  original: ArrayLike<number>,
  adversarial: ArrayLike<number>,
  range: readonly [number, number],
) {
  const width = 320;
  const height = 90;
  const path = (signal: ArrayLike<number>) =>
    Array.from(signal, (v, i) => {
      const px = (i / Math.max(1, signal.length - 1)) * width;
      const py = height - ((v - range[0]) / (range[1] - range[0] || 1)) * height;
      return `${fixed(px)},${fixed(py)}`;
    }).join(" ");
  return (
    `<svg class="waveform" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">` +
    `<polyline class="original" fill="none" stroke="#1f77b4" stroke-width="1" points="${path(original)}"/>` +
    `<polyline class="adversarial" fill="none" stroke="#d62728" stroke-width="1" opacity="0.7" points="${path(adversarial)}"/></svg>`
  );
}

function axes(xMax: number, yMax: number, xLabel: string, yLabel: string): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const bottom = MARGIN.top + PLOT_H;
  const xTicks = ticks
    .map((t) => {
      const px = MARGIN.left + t * PLOT_W;
      return `<line x1="${px}" x2="${px}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/><text x="${px}" y="${bottom + 16}" text-anchor="middle" font-size="11">${tickLabel(t * xMax)}</text>`;
    })
    .join("");
  const yTicks = ticks
    .map((t) => {
      const py = bottom - t * PLOT_H;
      return `<line x1="${MARGIN.left - 4}" x2="${MARGIN.left}" y1="${py}" y2="${py}" stroke="#333"/><text x="${MARGIN.left - 6}" y="${py + 4}" text-anchor="end" font-size="11">${tickLabel(t * yMax)}</text>`;
    })
    .join("");
  return (
    `<g class="axes"><line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${bottom}" y2="${bottom}" stroke="#333"/>` +
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${bottom}" stroke="#333"/>${xTicks}${yTicks}` +
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 6}" text-anchor="middle" font-size="12">${escapeHtml(xLabel)}</text>` +
    `<text transform="translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeHtml(yLabel)}</text></g>`
  );
}

function svg(id: string, title: string, body: string): string {
  return (
    `<svg id="${escapeHtml(id)}" class="plot" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" ` +
    `role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg">${body}</svg>`
  );
}

function tickLabel(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}

function fixed(v: number, digits = 1): string {
  return v.toFixed(digits);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A number for a table cell: integers as they are, others to 4 significant digits, none as a dash. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return "&ndash;";
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}
