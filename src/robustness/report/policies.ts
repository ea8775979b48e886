/**
 * The report's release-policy section: one row per policy (the attack's success, its median
 * queries and perturbation, the honest caller's accuracy) and a bar chart of the two rates side
 * by side, so what a policy costs the attacker and what it costs everyone else read at a glance.
 */
import type { PolicyOutcome } from "../policies";
import { escapeHtml, formatValue as format } from "./plots";

const ROW = 34;
const LABEL_W = 150;
const BAR_W = 360;
const BARS = [
  { key: "success", title: "attack success rate", colour: "#d62728" },
  { key: "honest", title: "honest accuracy", colour: "#2ca02c" },
] as const;

export function policyName({ name, params }: PolicyOutcome["policy"]): string {
  const settings = Object.entries(params).map(([k, v]) => `${k} ${v}`);
  return settings.length ? `${name} (${settings.join(", ")})` : name;
}

export function policySection(outcomes: PolicyOutcome[]): string {
  const rows = outcomes.map((o) => {
    const s = o.summary;
    const cells = [
      s.attack_success_rate,
      o.verifiedSuccessRate,
      s.queries.median,
      s.median_l2,
      s.median_linf,
      o.honestAccuracy,
    ];
    return `<tr data-policy="${escapeHtml(o.policy.name)}"><td>${escapeHtml(policyName(o.policy))}</td>${cells.map((c) => `<td>${format(c)}</td>`).join("")}</tr>`;
  });
  const header =
    "<tr><th>policy</th><th>attack_success_rate</th><th>verified on the model</th><th>median queries</th><th>median_l2</th><th>median_linf</th><th>honest accuracy</th></tr>";
  return `<section id="policies"><h2>Release policies: what each costs the attacker and the honest caller</h2>
<table class="policies">${header}${rows.join("")}</table>${chart(outcomes)}
<p>The same attack and seed against the scores each policy releases. Honest accuracy: top-1 of the released clean scores against the true labels. Score-based attacks see one-hot vectors under label-only; HopSkipJump reads labels only and is unaffected by any policy that keeps the top class.</p></section>`;
}

function chart(outcomes: PolicyOutcome[]): string {
  const height = outcomes.length * ROW + 30;
  const width = LABEL_W + BAR_W + 60;
  const groups = outcomes.map((o, i) => {
    const y = i * ROW + 4;
    const values = { success: o.summary.attack_success_rate ?? 0, honest: o.honestAccuracy };
    const bars = BARS.map((b, j) => {
      const w = values[b.key] * BAR_W;
      const by = y + j * 13;
      return (
        `<rect class="bar ${b.key}" x="${LABEL_W}" y="${by}" width="${w.toFixed(1)}" height="12" fill="${b.colour}">` +
        `<title>${b.title}: ${values[b.key].toFixed(3)}</title></rect>` +
        `<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${by + 10}" font-size="10">${values[b.key].toFixed(2)}</text>`
      );
    });
    const label = `<text x="${LABEL_W - 6}" y="${y + 17}" text-anchor="end" font-size="12">${escapeHtml(o.policy.name)}</text>`;
    return `<g class="policy" data-policy="${escapeHtml(o.policy.name)}">${label}${bars.join("")}</g>`;
  });
  const legend = BARS.map(
    (b, j) =>
      `<rect x="${LABEL_W + j * 170}" y="${height - 18}" width="10" height="10" fill="${b.colour}"/>` +
      `<text x="${LABEL_W + j * 170 + 14}" y="${height - 9}" font-size="11">${b.title}</text>`,
  );
  return (
    `<svg id="policies-chart" class="plot" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" ` +
    `aria-label="attack success and honest accuracy per release policy" xmlns="http://www.w3.org/2000/svg">${groups.join("")}${legend.join("")}</svg>`
  );
}
