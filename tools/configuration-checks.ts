/**
 * The configuration checks `npm run doctor` runs and `npm run deploy` runs before deploying: the
 * settings judged by the worker's own parsers (src/ops/doctor/config.ts), and every model's
 * committed signature against the trusted keys.
 */
import { readManifests } from "../models/recipe";
import { checkCommittedSignature } from "../models/signing";
import { subjectName } from "../src/governance/model-signature";
import { configurationChecks } from "../src/ops/doctor/config";
import type { CheckResult } from "../src/ops/doctor/types";

/** `accountSecrets`: secrets set in the account, their values not held here (see configurationChecks). */
export async function checkConfiguration(
  settings: Record<string, string | undefined>,
  accountSecrets?: ReadonlySet<string>,
): Promise<CheckResult[]> {
  return [...(await configurationChecks(settings, accountSecrets)), await modelsSigned()];
}

async function modelsSigned(): Promise<CheckResult> {
  const refused: string[] = [];
  const manifests = await readManifests();
  for (const manifest of manifests)
    await checkCommittedSignature(manifest).catch((error: Error) =>
      refused.push(`${subjectName(manifest)}: ${error.message}`),
    );
  return refused.length === 0
    ? {
        id: "models-signed",
        title: "model signatures",
        status: "pass",
        detail: `${manifests.length} models signed by trusted keys`,
      }
    : {
        id: "models-signed",
        title: "model signatures",
        status: "fail",
        detail: refused.join("; "),
        fix: "npm run models -- sign --key RELEASE_KEY (README, Signed models)",
      };
}
