/**
 * What `npm run deploy -- --env NAME` checks before deploying, and `npm run doctor -- --env NAME`
 * reports without deploying: the configuration checks on what will actually be deployed
 * (src/ops/deploy/settings.ts: vars, overrides, and the secrets as set in the account, judged from
 * the operator's copies), and whether every model version is published in the environment's bucket.
 */
import { settingsToDeploy } from "../src/ops/deploy/settings";
import type { CheckResult } from "../src/ops/doctor/types";
import { boundBucket } from "../src/ops/provision/desired";
import { checkConfiguration, modelsPublished } from "./configuration-checks";
import { readSecretsFile, type TargetEnvironment } from "./deployment";
import { remoteBucket } from "./remote-bucket";
import { readAccountSecrets } from "./wrangler-account";

export interface DeploymentCheck {
  results: CheckResult[];
  /** What the reader should know first: an account that could not be read, secrets not set there. */
  notes: string[];
  /** Vars the process environment overrides, for `wrangler deploy --var`. */
  varOverrides: Record<string, string>;
}

export async function checkDeployment({
  env,
  environment,
  secretsFile,
  shownFile,
}: TargetEnvironment): Promise<DeploymentCheck> {
  const notes: string[] = [];
  const account = await readAccountSecrets(env, environment.name);
  if (!account.readable)
    notes.push(`wrangler could not read the account's secrets (${account.reason}): judging ${shownFile} alone.`);
  const deployment = settingsToDeploy({
    vars: environment.vars ?? {},
    secretsFile: readSecretsFile(secretsFile),
    processEnv: process.env,
    accountSecrets: account.readable ? account.names : undefined,
  });
  if (deployment.notInAccount.length > 0)
    notes.push(
      `In ${shownFile} but not set in the account, so the worker will not have them: ${deployment.notInAccount.join(", ")} ` +
        `(npm run provision -- --env ${env} --generate-secrets sets them from there).`,
    );
  const modelsBucket = boundBucket(environment, "MODELS");
  const results = [
    ...(await checkConfiguration(deployment.settings, deployment.onlyInAccount)),
    account.readable
      ? await modelsPublished(remoteBucket(modelsBucket, { env }), modelsBucket)
      : {
          id: "models-published",
          title: `models published in ${modelsBucket}`,
          status: "skip" as const,
          detail: "the account could not be read",
        },
  ];
  return { results, notes, varOverrides: deployment.varOverrides };
}
