/**
 * `npm run provision -- --env NAME [--dry-run] [--generate-secrets] [--secrets-file FILE]`: makes the
 * Cloudflare account hold what wrangler.toml's [env.NAME] needs (src/ops/provision), and only
 * what it lacks, so running it again changes nothing:
 *   - the R2 buckets, the queue and its dead-letter queue;
 *   - lifecycle rules expiring the audit log after AUDIT_RETENTION_DAYS (refused under 180);
 *   - the secrets: each one unset is listed with how to set it. --generate-secrets generates the
 *     missing required ones (or takes the operator's copy from FILE), saves them to FILE (default
 *     .dev.vars.NAME, mode 600, git-ignored) and pipes each to `wrangler secret put`; a value is
 *     never printed, and a secret already set in the account is never replaced;
 *   - the encrypted models, published to the models bucket with MODEL_KEYS from FILE.
 * The Durable Objects are made by `npm run deploy -- --env NAME`, which applies the migrations.
 *
 * --dry-run prints the wrangler commands it would run (secret values as <generated>) and changes
 * nothing; if wrangler cannot read the account, it says so and plans for a fresh environment.
 * Everything goes through wrangler (WRANGLER names another executable). Exits 1 on a refused
 * configuration, a conflict it will not resolve, or an account it cannot read (but in a dry run);
 * 2 on a usage error.
 */
import { parseArgs } from "node:util";
import { desiredResources } from "../src/ops/provision/desired";
import { planProvisioning } from "../src/ops/provision/plan";
import { formatPlan } from "../src/ops/provision/report";
import { ProvisioningRefused } from "../src/ops/provision/types";
import { readSecretsFile, targetEnvironment } from "./deployment";
import { carryOut } from "./provisioning";
import { announcedChanges, WranglerFailed } from "./wrangler";
import { readAccount } from "./wrangler-account";

const { values } = parseArgs({
  options: {
    env: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    "generate-secrets": { type: "boolean", default: false },
    "secrets-file": { type: "string" },
  },
});
const { env, environment, secretsFile, shownFile } = targetEnvironment(values, usage);
const dryRun = values["dry-run"];

let desired: ReturnType<typeof desiredResources>;
try {
  desired = desiredResources(env, environment);
} catch (error) {
  if (!(error instanceof ProvisioningRefused)) throw error;
  console.error(`provision: refused: ${error.message}`);
  process.exit(1);
}

console.log(
  `Provisioning the worker ${desired.worker} (wrangler.toml [env.${env}])${dryRun ? ": dry run, nothing is changed" : ""}.`,
);
const account = await readAccount(desired);
if (!account.readable) {
  console.log(`wrangler could not read the account: ${account.reason}`);
  if (!dryRun) {
    console.error("provision: log in (npx wrangler login) or set CLOUDFLARE_API_TOKEN; --dry-run plans without it.");
    process.exit(1);
  }
  console.log("Planning for a fresh environment.");
}
const operatorSecrets = readSecretsFile(secretsFile);
const items = planProvisioning(desired, account, {
  operatorSecrets,
  secretsFile: shownFile,
  generateSecrets: values["generate-secrets"],
});
console.log(`\n${formatPlan(items)}\n`);

const changes = announcedChanges(dryRun);
try {
  await carryOut(items, {
    desired,
    change: changes.change,
    dryRun,
    accountReadable: account.readable,
    operatorSecrets,
    secretsFile,
  });
} catch (error) {
  if (!(error instanceof WranglerFailed)) throw error;
  console.error(`provision: stopped: ${error.message}\nWhat ran before it stays; run again once it is fixed.`);
  process.exit(1);
}

const conflicts = items.filter((item) => item.status === "conflict");
const done = dryRun
  ? `${changes.count()} command(s) would run; nothing was changed`
  : `${changes.count()} command(s) run`;
console.log(`\n${changes.count() === 0 ? "Nothing to change." : `${done}.`}`);
if (conflicts.length > 0) {
  console.error(
    `provision: ${conflicts.length} conflict(s) left as they are (CONFLICT above): resolve them and run again`,
  );
  process.exitCode = 1;
} else console.log(`Next: npm run deploy -- --env ${env}${dryRun ? " --dry-run" : ""}`);

function usage(problem: string): never {
  console.error(
    `provision: ${problem}\nusage: npm run provision -- --env NAME [--dry-run] [--generate-secrets] [--secrets-file FILE]`,
  );
  process.exit(2);
}
