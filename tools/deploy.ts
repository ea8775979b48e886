/**
 * `npm run deploy -- --env NAME [--dry-run] [--force] [--secrets-file FILE] [--outdir DIR]`:
 * deploys wrangler.toml's [env.NAME] (the worker bastion-NAME) with `wrangler deploy --env NAME`,
 * once the configuration checks `npm run doctor` runs pass on what will be deployed
 * (src/ops/deploy/settings.ts): the environment's vars, any the process environment overrides
 * (passed on as --var), and the secrets set in the account (`wrangler secret list`), judged from
 * the operator's copies in FILE (default .dev.vars.NAME, written by `npm run provision`); and that
 * every model version is published in the environment's bucket under its committed signature.
 *
 * A configuration that fails a check (one that fails closed: no token verification, no model keys,
 * no audit secrets) is refused, exit 1, naming each check and what to set; --force deploys it
 * anyway and says what will fail. The deploy applies the Durable Objects' migrations itself.
 * --dry-run bundles without deploying (`wrangler deploy --dry-run --outdir DIR`, default
 * dist/NAME), which needs no account. Exits with wrangler's code, or 2 on a usage error.
 * (wrangler.toml's top level is `npm start`'s local configuration; `npm run build` bundles it.)
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { WHILE_FAILING } from "../src/ops/deploy/consequences";
import { formatReport } from "../src/ops/doctor/report";
import { targetEnvironment } from "./deployment";
import { checkDeployment } from "./deployment-checks";
import { commandLine, runWrangler } from "./wrangler";

const { values } = parseArgs({
  options: {
    env: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    force: { type: "boolean", default: false },
    "secrets-file": { type: "string" },
    outdir: { type: "string" },
  },
});
const target = targetEnvironment(values, usage);
const { env, environment } = target;

console.log(`Checking the worker ${environment.name} (wrangler.toml [env.${env}]) before deploying it.`);
const { results, notes, varOverrides } = await checkDeployment(target);
for (const note of notes) console.log(note);
console.log(`\n${formatReport(results)}`);

const failing = results.filter((r) => r.status === "fail");
if (failing.length > 0 && !values.force) {
  console.error(
    `\ndeploy: refused: ${environment.name} would fail ${failing.map((r) => r.title).join(", ")}. ` +
      `Set what each fix above says: vars in wrangler.toml [env.${env}.vars]; secrets with npm run provision -- ` +
      `--env ${env} --generate-secrets (or npx wrangler secret put NAME --env ${env}). Or deploy anyway with --force.`,
  );
  process.exit(1);
}
if (failing.length > 0) {
  const going = values["dry-run"] ? "bundling" : "deploying";
  console.log(`\n--force: ${going} anyway. Until the failing checks are fixed, in ${environment.name}:`);
  for (const r of failing) console.log(`  ${r.title}: ${WHILE_FAILING[r.id] ?? r.detail}`);
}

const overrides = Object.entries(varOverrides).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
const outdir = values.outdir ? path.resolve(values.outdir) : path.join("dist", env);
const args = ["deploy", "--env", env, ...overrides, ...(values["dry-run"] ? ["--dry-run", "--outdir", outdir] : [])];
console.log(`\nrunning: ${commandLine(args)}`);
process.exitCode = (await runWrangler(args, { output: "terminal" })).code;

function usage(problem: string): never {
  console.error(
    `deploy: ${problem}\nusage: npm run deploy -- --env NAME [--dry-run] [--force] [--secrets-file FILE] [--outdir DIR]`,
  );
  process.exit(2);
}
