/**
 * `npm run privacy -- <command>`: a data subject's rights, through the worker's admin routes (the
 * token needs the `admin` scope; locally: npm run token -- --sub you --scope admin).
 *
 *   erase --sub S [--tenant T]                    delete the subject's key (GDPR Art. 17): their
 *                                                 events stay, verifiable and unlinkable to them
 *   access --sub S [--tenant T] --from T --to T   export the subject's own events (Art. 15, 22)
 *          [--out FILE] [--dir DIR | --persist-to DIR]
 *
 *   common: [--base URL] (default http://127.0.0.1:8787) --token ADMIN_TOKEN (or BASTION_TOKEN)
 *
 * `access` asks the worker for the subject's pseudonym (it never leaves the key store otherwise),
 * then reads the audit log as `npm run audit` does, verifying the chain first.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { eventsBetween, readVerifiedLog } from "../src/audit/read";
import { callAdminRoute, requireAdminRoute } from "./admin-route";
import { readAuditObjects, readDevVars } from "./local-state";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    sub: { type: "string" },
    tenant: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    out: { type: "string" },
    dir: { type: "string" },
    "persist-to": { type: "string" },
    base: { type: "string", default: "http://127.0.0.1:8787" },
    token: { type: "string", default: process.env.BASTION_TOKEN },
  },
});
const command = positionals[0];
if (command !== "erase" && command !== "access") usage("a command: erase or access");
if (!values.sub) usage("--sub SUBJECT");
if (!values.token) usage("--token ADMIN_TOKEN (or BASTION_TOKEN)");
const target = { base: values.base, token: values.token };
const subject = { sub: values.sub, ...(values.tenant ? { tenant: values.tenant } : {}) };
const whom = `${values.sub}${values.tenant ? ` (tenant ${values.tenant})` : ""}`;

if (command === "erase") {
  const { keyFound } = await requireAdminRoute(target, "/v1/admin/subjects/erase", subject);
  console.log(
    keyFound
      ? `bastion: erased the key of ${whom}: their events can no longer be found or linked to them`
      : `bastion: ${whom} had no key (never seen, or erased before): nothing to erase`,
  );
} else {
  const from = Date.parse(values.from ?? "");
  const to = Date.parse(values.to ?? "");
  if (Number.isNaN(from) || Number.isNaN(to)) usage("access needs --from and --to, ISO 8601 dates or times");
  const answer = await callAdminRoute(target, "/v1/admin/subjects/pseudonym", subject);
  if (answer.status === 404) {
    console.error(`bastion: ${whom} has no key (never seen, or erased): no event of theirs can be found`);
    process.exit(1);
  }
  if (answer.status >= 400) {
    console.error(`bastion: ${answer.status} ${JSON.stringify(answer.json)}`);
    process.exit(1);
  }
  const secret = process.env.AUDIT_SIGNING_KEY ?? readDevVars().AUDIT_SIGNING_KEY;
  if (!secret) usage("AUDIT_SIGNING_KEY (environment or .dev.vars)");
  const { report, events } = await readVerifiedLog(
    () => readAuditObjects({ dir: values.dir, persistTo: values["persist-to"] }),
    secret,
  );
  if (report.problems.length > 0) {
    for (const problem of report.problems) console.error(`TAMPERED ${problem}`);
    console.error("the log does not verify; access export refused");
    process.exit(1);
  }
  const theirs = eventsBetween(events, from, to).filter(
    ({ principal }) => principal?.pseudonym === answer.json.pseudonym && principal?.tenant === values.tenant,
  );
  const text = theirs.map((event) => `${JSON.stringify(event)}\n`).join("");
  if (values.out) {
    writeFileSync(values.out, text);
    console.error(`${theirs.length} events of ${whom} written to ${values.out}`);
  } else {
    process.stdout.write(text);
  }
}

function usage(problem: string): never {
  console.error(`npm run privacy: ${problem}`);
  console.error(
    "usage: npm run privacy -- erase --sub S [--tenant T] | access --sub S [--tenant T] --from T --to T [--out FILE] [--dir DIR | --persist-to DIR]  [--base URL] --token ADMIN_TOKEN",
  );
  process.exit(2);
}
