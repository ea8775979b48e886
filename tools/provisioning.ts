/**
 * Carries out a provisioning plan (src/ops/provision) with wrangler: each step's command; the
 * secrets, whose values are first saved to the operator's file (so a value the account has is
 * never one the operator lost) and then piped on stdin; and the models, published through the
 * remote bucket by the same recipe as `npm run models -- build`. Every change goes through
 * `change`, so a dry run prints the same commands and changes nothing, here or in the account.
 */
import { buildArtifact, readManifests } from "../models/recipe";
import { importKeyring } from "../src/models/keyring";
import { wranglerCommand } from "../src/ops/provision/commands";
import { DEPLOYMENT_SECRETS } from "../src/ops/provision/secrets";
import type { DesiredResources, PlanItem, Step } from "../src/ops/provision/types";
import { displayPath } from "./deployment";
import { writeDotenv } from "./local-state";
import { remoteBucket } from "./remote-bucket";
import type { ChangeAccount } from "./wrangler";

export interface Provisioning {
  desired: DesiredResources;
  change: ChangeAccount;
  dryRun: boolean;
  /** False only in a dry run against an account wrangler could not read: every bucket is taken as empty. */
  accountReadable: boolean;
  operatorSecrets: Record<string, string>;
  secretsFile: string;
}

export async function carryOut(items: readonly PlanItem[], run: Provisioning): Promise<void> {
  const steps = items.flatMap((item) => (item.step ? [item.step] : []));
  const secrets = prepareSecrets(steps, run);
  for (const step of steps) {
    if (step.kind === "publish-models") await publishModels(step.bucket, secrets.MODEL_KEYS, run);
    else if (step.kind === "put-secret")
      await run.change(wranglerCommand(step, run.desired.env), {
        value: secrets[step.name],
        shownAs: step.source === "generated" ? "<generated>" : `<${step.name} from ${displayPath(run.secretsFile)}>`,
      });
    else await run.change(wranglerCommand(step, run.desired.env));
  }
}

/**
 * The values of the secrets to set: the operator's, and those the plan generates, which are saved
 * to the operator's file (mode 600) before any is set in the account. A dry run saves nothing.
 */
function prepareSecrets(steps: readonly Step[], run: Provisioning): Record<string, string> {
  const kid = `${run.desired.env}-${new Date().toISOString().slice(0, 10)}`;
  const generated: Record<string, string> = {};
  for (const step of steps) {
    if (step.kind !== "put-secret" || step.source !== "generated") continue;
    const generate = DEPLOYMENT_SECRETS.find((s) => s.name === step.name)?.generate;
    if (generate) generated[step.name] = generate(kid);
  }
  const secrets = { ...run.operatorSecrets, ...generated };
  if (Object.keys(generated).length > 0 && !run.dryRun)
    writeDotenv(run.secretsFile, secrets, [
      `# The operator's copy of the secrets of wrangler environment ${run.desired.env} (npm run provision).`,
      "# Never commit this file. npm run deploy and npm run models -- --remote --env read it.",
    ]);
  return secrets;
}

async function publishModels(bucketName: string, modelKeys: string | undefined, run: Provisioning) {
  const keyring = await importKeyring(modelKeys, ["wrapKey", "unwrapKey"]);
  const bucket = remoteBucket(bucketName, { env: run.desired.env, change: run.change });
  const target = run.accountReadable ? bucket : { ...bucket, get: async () => null };
  for (const manifest of await readManifests()) {
    const outcomes = await buildArtifact(target, manifest, keyring);
    for (const [variant, outcome] of Object.entries(outcomes))
      console.log(
        `${manifest.id}@${manifest.version} ${variant}: ${run.dryRun && outcome === "encrypted" ? "would be encrypted" : outcome}`,
      );
  }
}
