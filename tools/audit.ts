/**
 * `npm run audit -- <command>`: reads the audit log in R2.
 *
 *   verify                       check every object's digest and MAC, and the chain they form
 *   export --from T --to T       the events with from <= time < to (ISO 8601), to standard output
 *          [--function NAME] [--format ndjson|csv] [--out FILE] [--skip-verify]
 *
 * The log is wrangler dev's local state (`--persist-to DIR` for another), or, with `--dir DIR`, a
 * directory of objects downloaded from R2 (e.g. `rclone copy r2:bastion-audit/audit DIR`). The
 * MAC key is AUDIT_SIGNING_KEY from the environment, else from .dev.vars.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { auditCsv } from "../src/audit/csv";
import { eventsBetween, readVerifiedLog } from "../src/audit/read";
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
  },
});
const command = positionals[0];
if (command !== "verify" && command !== "export") usage("a command: verify or export");
if (command === "export" && (!values.from || !values.to)) usage("export needs --from and --to");
if (values.format !== "ndjson" && values.format !== "csv") usage("--format is ndjson or csv");

const secret = process.env.AUDIT_SIGNING_KEY ?? readDevVars().AUDIT_SIGNING_KEY;
if (!secret) usage("AUDIT_SIGNING_KEY (environment or .dev.vars)");
const { report, events: logged } = await readVerifiedLog(
  await readAuditObjects({ dir: values.dir, persistTo: values["persist-to"] }),
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

function usage(problem: string): never {
  console.error(`npm run audit: ${problem}`);
  console.error(
    "usage: npm run audit -- verify | export --from T --to T [--function F] [--format ndjson|csv] [--out FILE]  [--dir DIR | --persist-to DIR]",
  );
  process.exit(2);
}
