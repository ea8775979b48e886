/**
 * `report.html`: one self-contained page (inline SVG and PNG data URIs, no script, no external
 * asset) for one or more runs: the summary table, robust accuracy against the perturbation
 * budget (one chart per norm, one line per run), the distribution of perturbation norms (one
 * histogram per run), and each run's examples side by side: original, adversarial, and the
 * perturbation amplified (images), or the two waveforms over each other (1-D inputs).
 */
import { type Layout, layoutOf } from "../attacks/types";
import { robustAccuracyCurve } from "../metrics";
import { perturbationImage, pngDataUri } from "./images";
import type { Report } from "./json";
import { escapeHtml, formatValue as format, histogram, lineChart, waveform } from "./plots";

export interface RenderedRun {
  report: Report;
  originals: Float32Array[];
  adversarial: Float32Array[];
  layout?: Layout;
  /** Told apart from runs of the same attack (the release policy it ran against). */
  label?: string;
}

/** Points on each robust-accuracy curve. */
export const CURVE_POINTS = 21;
export const HISTOGRAM_BINS = 10;
/** Examples pictured per run: successes first. */
export const GRID_EXAMPLES = 8;

const SUMMARY_FIELDS = [
  "samples",
  "clean_accuracy",
  "adversarial_accuracy",
  "attack_success_rate",
  "empirical_robustness",
  "median_l2",
  "median_linf",
] as const;

/** `sections`: more HTML after the summary (the release-policy comparison). */
export function renderHtml(runs: RenderedRun[], title = "Bastion red team report", sections: string[] = []): string {
  const name = (run: RenderedRun) =>
    `${run.report.attack.name} (L${run.report.attack.norm === "2" ? "2" : "inf"})${run.label ? `, ${run.label}` : ""}`;
  const norms = [...new Set(runs.map((r) => r.report.attack.norm))];
  const curves = norms.map((norm) => {
    const ofNorm = runs.filter((r) => r.report.attack.norm === norm);
    const distances = ofNorm.flatMap((r) => r.report.examples.map((e) => (norm === "2" ? e.l2 : e.linf)));
    const epsilons = ofNorm.map((r) => r.report.attack.eps ?? 0);
    const top = Math.max(1e-6, ...distances, ...epsilons) * 1.05;
    const budgets = Array.from({ length: CURVE_POINTS }, (_, i) => (top * i) / (CURVE_POINTS - 1));
    return lineChart({
      id: `robust-accuracy-l${norm}`,
      title: `Robust accuracy against the L${norm} budget`,
      xLabel: `perturbation budget (L${norm})`,
      yLabel: "robust accuracy",
      yMax: 1,
      series: ofNorm.map((r) => ({
        name: name(r),
        points: robustAccuracyCurve(r.report.examples, norm, budgets).map((p) => ({ x: p.budget, y: p.accuracy })),
      })),
    });
  });
  const runSections = runs.map((run, i) => runSection(run, i, name(run)));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 16px; } td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: right; }
th { background: #f4f4f4; } .grid { display: flex; flex-wrap: wrap; gap: 12px; }
figure.pair { margin: 0; border: 1px solid #ddd; padding: 6px; } figure.pair img { width: 96px; image-rendering: pixelated; }
figcaption { font-size: 12px; } .success { color: #b00; } .plots { display: flex; flex-wrap: wrap; gap: 16px; }
</style></head>
<body><h1>${escapeHtml(title)}</h1>
<section id="summary"><h2>Summary</h2>${summaryTable(runs, name)}</section>
<section id="curves"><h2>Robust accuracy against perturbation budget</h2><div class="plots">${curves.join("")}</div>
<p>At each budget, the share of examples still classified right: no adversarial input was found within that distance. An attack's result is an upper bound; Square's says nothing beyond its own eps.</p></section>
${sections.join("\n")}
${runSections.join("\n")}
</body></html>
`;
}

function summaryTable(runs: RenderedRun[], name: (run: RenderedRun) => string): string {
  const header = `<tr><th>run</th><th>target</th>${SUMMARY_FIELDS.map((f) => `<th>${f}</th>`).join("")}<th>queries (mean)</th><th>eps</th></tr>`;
  const rows = runs.map(({ report }, i) => {
    const target =
      report.target.kind === "onnx" ? report.target.file : `${report.target.function} @ ${report.target.base}`;
    const cells = SUMMARY_FIELDS.map((f) => `<td>${format(report.summary[f])}</td>`).join("");
    return `<tr><td>${escapeHtml(name(runs[i]))}</td><td>${escapeHtml(target)}</td>${cells}<td>${format(report.summary.queries.mean)}</td><td>${format(report.attack.eps)}</td></tr>`;
  });
  return `<table class="summary">${header}${rows.join("")}</table>`;
}

function runSection(run: RenderedRun, index: number, title: string): string {
  const { report } = run;
  const layout = run.layout ?? layoutOf(report.target.inputShape);
  const norm = report.attack.norm;
  const successes = report.examples.filter((e) => e.success);
  const norms = histogram({
    id: `norms-${index}`,
    title: `${title}: perturbation norms`,
    xLabel: `L${norm} norm of successful perturbations`,
    values: successes.map((e) => (norm === "2" ? e.l2 : e.linf)),
    bins: HISTOGRAM_BINS,
  });
  const pictured = [...successes, ...report.examples.filter((e) => !e.success)].slice(0, GRID_EXAMPLES);
  const figures = pictured.map((e) => {
    const original = run.originals[e.index];
    const adversarial = run.adversarial[e.index];
    const caption = `#${e.index}: ${e.prediction} &rarr; ${e.adversarialLabel}${e.success ? ' <span class="success">success</span>' : ""}<br>L2 ${format(e.l2)}, Linf ${format(e.linf)}, ${e.queries} queries`;
    const body =
      layout.height === 1
        ? waveform(original, adversarial, report.target.clip)
        : `<img class="original" alt="original" src="${pngDataUri(original, layout, report.target.clip)}">` +
          `<img class="adversarial" alt="adversarial" src="${pngDataUri(adversarial, layout, report.target.clip)}">` +
          `<img class="perturbation" alt="perturbation, amplified" src="${perturbationImage(original, adversarial, layout)}">`;
    return `<figure class="pair" data-index="${e.index}">${body}<figcaption>${caption}</figcaption></figure>`;
  });
  const params = escapeHtml(JSON.stringify(report.attack.params));
  return `<section class="run" data-attack="${escapeHtml(report.attack.name)}">
<h2>${escapeHtml(report.attack.title)}, L${norm}</h2>
<p>ART parameters: <code>${params}</code>; seed ${report.attack.seed}; query budget ${report.attack.queries ?? "none"}; ${format(report.summary.duration_s)} s.</p>
<div class="plots">${norms}</div>
<h3>Examples (original, adversarial, perturbation amplified)</h3>
<div class="grid">${figures.join("")}</div>
</section>`;
}
