/**
 * `npm run audit -- <command>`: reads the audit log in R2.
 *
 *   verify                       check every object's digest and MAC, and the chain they form
 *   export --from T --to T       the events with from <= time < to (ISO 8601), to standard output
 *          [--function NAME] [--format ndjson|csv] [--out FILE] [--skip-verify]
 *   stats --from DAY --to DAY    a tenant's counts per function, day and outcome, and latency
 *          [--tenant T] [--dp]   histograms, as GET /v1/usage computes them; exact, or with --dp
 *          [--json]              under the same differential privacy (USAGE_STATISTICS's rho and
 *                                cap), for figures to publish. No budget is charged here: whoever
 *                                runs this holds the log itself.
 *
 * The log is wrangler dev's local state (`--persist-to DIR` for another), or, with `--dir DIR`, a
 * directory of objects downloaded from R2 (e.g. `rclone copy r2:bastion-audit/audit DIR`). The
 * MAC key is AUDIT_SIGNING_KEY from the environment, else from .dev.vars.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { functions } from "../functions";
import { auditCsv } from "../src/audit/csv";
import { eventsBetween, readVerifiedLog } from "../src/audit/read";
import { drawNoise } from "../src/privacy/usage/release";
import { gridCells, releaseUsage } from "../src/privacy/usage/report";
import { parseUsageSettings } from "../src/privacy/usage/settings";
import { tallyUsage } from "../src/privacy/usage/tally";
import { readAuditObjects, readDevVars } from "./local-state";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dir: { type: "string" },
    "persist-to": { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    function: { type: "string" },
    format: { type: "string", default: "ndjson" },
    out: { type: "string" },
    "skip-verify": { type: "boolean" },
    tenant: { type: "string" },
    dp: { type: "boolean" },
    json: { type: "boolean" },
  },
});
const command = positionals[0];
if (command !== "verify" && command !== "export" && command !== "stats") usage("a command: verify, export or stats");
if (command !== "verify" && (!values.from || !values.to)) usage(`${command} needs --from and --to`);
if (values.format !== "ndjson" && values.format !== "csv") usage("--format is ndjson or csv");

const secret = process.env.AUDIT_SIGNING_KEY ?? readDevVars().AUDIT_SIGNING_KEY;
if (!secret) usage("AUDIT_SIGNING_KEY (environment or .dev.vars)");
const { report, events: logged } = await readVerifiedLog(
  () => readAuditObjects({ dir: values.dir, persistTo: values["persist-to"] }),
  secret,
);

if (command === "verify") {
  for (const problem of report.problems) console.log(`TAMPERED ${problem}`);
  console.log(
    `${report.objects} objects, ${report.events} events: ${report.problems.length === 0 ? "chain verified" : `${report.problems.length} problems`}`,
  );
  process.exit(report.problems.length === 0 ? 0 : 1);
}

if (report.problems.length > 0 && !values["skip-verify"]) {
  for (const problem of report.problems) console.error(`TAMPERED ${problem}`);
  console.error("the log does not verify; export refused (--skip-verify exports anyway)");
  process.exit(1);
}
if (command === "stats") {
  const days = daysBetween(values.from as string, values.to as string);
  const grid = { tenant: values.tenant, functions: functions.map((fn) => fn.name), days };
  const settings = parseUsageSettings(process.env.USAGE_STATISTICS ?? readDevVars().USAGE_STATISTICS);
  const plan = values.dp
    ? drawNoise({ contributionCap: settings.contributionCap, rho: settings.rhoPerQuery }, days.length, gridCells(grid))
    : undefined;
  const report = plan
    ? releaseUsage(logged, grid, plan, settings)
    : {
        tenant: grid.tenant ?? null,
        from: days[0],
        to: days[days.length - 1],
        ...tallyUsage(logged, grid, Number.POSITIVE_INFINITY),
      };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else printStats(report);
  process.exit(0);
}

const from = Date.parse(values.from as string);
const to = Date.parse(values.to as string);
if (Number.isNaN(from) || Number.isNaN(to)) usage("--from and --to are ISO 8601 dates or times");
const events = eventsBetween(logged, from, to).filter(
  (event) => !values.function || event.function === values.function,
);
const text = values.format === "csv" ? auditCsv(events) : events.map((event) => `${JSON.stringify(event)}\n`).join("");
if (values.out) {
  writeFileSync(values.out, text);
  console.error(`${events.length} events written to ${values.out}`);
} else {
  process.stdout.write(text);
}

/** The UTC days from `from` to `to`, inclusive. */
function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end) || start > end) usage("stats needs --from and --to as days, from <= to");
  return Array.from({ length: (end - start) / 86_400_000 + 1 }, (_, i) =>
    new Date(start + i * 86_400_000).toISOString().slice(0, 10),
  );
}

/** The non-zero exact counts, or every noisy count (a noisy zero is still a figure), as a table. */
function printStats(report: {
  counts: { function: string; day: string; outcome: string; count: number; plusMinus95?: number }[];
  privacy?: { rho: number; epsilon: number; delta: number; plusMinus95: number; contributionCapPerDay: number };
}) {
  const { privacy } = report;
  console.log(
    privacy
      ? `differentially private: rho ${privacy.rho} (ε ${privacy.epsilon.toFixed(3)} at δ ${privacy.delta}), each figure ±${privacy.plusMinus95} at 95%, at most ${privacy.contributionCapPerDay} events per subject and day`
      : "exact counts (not for publication: use --dp)",
  );
  for (const cell of report.counts)
    if (privacy || cell.count !== 0)
      console.log(
        `${cell.day}  ${cell.function.padEnd(18)} ${cell.outcome.padEnd(18)} ${String(cell.count).padStart(8)}`,
      );
}

function usage(problem: string): never {
  console.error(`npm run audit: ${problem}`);
  console.error(
    "usage: npm run audit -- verify | export --from T --to T [--function F] [--format ndjson|csv] [--out FILE] | stats --from DAY --to DAY [--tenant T] [--dp] [--json]  [--dir DIR | --persist-to DIR]",
  );
  process.exit(2);
}
