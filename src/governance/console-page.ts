/**
 * The operator's page: one HTML document and its script, read-only, drawing
 * `GET /v1/admin/overview` (overview.ts) from the same origin. `npm run console` serves both and
 * forwards that one read to the worker with the operator's admin token, so the browser holds no
 * token. The script writes text with `textContent` only: nothing from the overview is parsed as HTML.
 */

export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Bastion: operator</title>
<link rel="stylesheet" href="/console.css">
</head>
<body>
<header><h1>Bastion operator</h1><p id="status">loading…</p></header>
<main>
<section><h2>Functions</h2><table id="functions"><thead><tr>
<th>function</th><th>state</th><th>default version</th><th>canary</th><th>versions and signatures</th><th>risk</th><th>rate limit</th>
</tr></thead><tbody></tbody></table></section>
<section><h2>Audit log</h2><p id="audit"></p><svg id="volume" width="720" height="180" role="img" aria-label="audit events per hour by outcome"></svg><ul id="legend"></ul></section>
<section><h2>Robustness</h2><p><a href="/robustness/report.html">the latest robustness gate report</a>, with its adversarial examples</p></section>
</main>
<script src="/console.js"></script>
</body>
</html>
`;

export const CONSOLE_STYLE = `body { font: 14px system-ui, sans-serif; margin: 2rem; color: #222 }
table { border-collapse: collapse } th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; vertical-align: top }
.stopped { color: #b00; font-weight: bold } .serving { color: #070 } .refused { color: #b00 }
#legend { list-style: none; padding: 0; display: flex; gap: 1rem } #legend span { display: inline-block; width: 1em; height: 1em; margin-right: .3em }
`;

export const CONSOLE_SCRIPT = `"use strict";
const COLOURS = { served: "#2a7", invalid_input: "#e90", invalid_token: "#c60", forbidden: "#c33", rate_limited: "#36c", not_found: "#999", client_closed: "#bbb", model_unavailable: "#808", unavailable: "#a0a", internal_error: "#000" };
const cell = (row, text, className) => { const td = row.insertCell(); td.textContent = text; if (className) td.className = className; return td; };
async function draw() {
  const response = await fetch("/overview", { cache: "no-store" });
  if (!response.ok) { document.getElementById("status").textContent = "the worker refused: " + response.status; return; }
  const overview = await response.json();
  document.getElementById("status").textContent = "as of " + overview.generatedAt;
  const body = document.querySelector("#functions tbody");
  body.replaceChildren();
  for (const fn of overview.functions) {
    const row = body.insertRow();
    row.dataset.function = fn.name;
    const name = cell(row, fn.name);
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "model card";
    details.append(summary, ...fn.card.map((part) => {
      const p = document.createElement("p"); const b = document.createElement("b");
      b.textContent = part.section + ": "; p.append(b, part.text); return p;
    }));
    name.append(details);
    cell(row, fn.stop ? "stopped: " + fn.stop.publicReason + " (" + fn.stop.reason + ")" : fn.stoppedPrincipals > 0 ? "serving; stopped for " + fn.stoppedPrincipals + " principal(s)" : "serving", fn.stop ? "stopped" : "serving");
    cell(row, fn.defaultVersion);
    cell(row, fn.canary ? fn.canary.version + " for " + fn.canary.percent + "%" : "none");
    cell(row, fn.versions.map((v) => v.subject + ": " + (v.signature.signer ? "signed by " + v.signature.signer : "REFUSED " + v.signature.refused)).join("; "), fn.versions.every((v) => v.signature.signer) ? "" : "refused");
    cell(row, fn.riskClass);
    cell(row, fn.rateLimit.limit + " per " + fn.rateLimit.window + " (" + fn.rateLimit.algorithm + ")");
  }
  const audit = overview.audit;
  document.getElementById("audit").textContent = audit.objects + " objects; " + audit.deadLetters + " dead-lettered batches; chain " +
    (audit.verified === null ? "too large to verify here (npm run audit -- verify)" : audit.verified.ok ? "verified at " + audit.verified.at : audit.verified.problems + " problems: run npm run audit -- verify");
  const svg = document.getElementById("volume");
  svg.replaceChildren();
  const hours = audit.hours;
  const total = (h) => Object.values(h.outcomes).reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...hours.map(total));
  const width = 720 / Math.max(hours.length, 1);
  hours.forEach((h, i) => {
    let y = 170;
    for (const [outcome, count] of Object.entries(h.outcomes)) {
      const height = (count / max) * 160;
      const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      rect.setAttribute("x", String(i * width + 2)); rect.setAttribute("width", String(Math.max(width - 4, 1)));
      rect.setAttribute("y", String(y - height)); rect.setAttribute("height", String(height));
      rect.setAttribute("fill", COLOURS[outcome] || "#999");
      const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = h.hour + ":00 UTC, " + outcome + ": " + count;
      rect.appendChild(title); svg.appendChild(rect); y -= height;
    }
  });
  const legend = document.getElementById("legend");
  legend.replaceChildren(...Object.entries(COLOURS).map(([outcome, colour]) => {
    const li = document.createElement("li"); const swatch = document.createElement("span");
    swatch.style.background = colour; li.append(swatch, outcome); return li;
  }));
  document.body.dataset.ready = "true";
}
draw();
`;
