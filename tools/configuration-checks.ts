/**
 * The configuration checks `npm run doctor` runs and `npm run deploy` runs before deploying: the
 * settings judged by the worker's own parsers (src/ops/doctor/config.ts), and every model's
 * committed signature against the trusted keys; deploy also checks that the models are published.
 */
import { type ArtifactBucket, readManifests } from "../models/recipe";
import { checkCommittedSignature, readSignature } from "../models/signing";
import { subjectName } from "../src/governance/model-signature";
import { signatureKey } from "../src/models/manifest";
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

/**
 * Every model version the worker serves is in the environment's bucket, under the signature
 * committed here (publishing writes it last, so it stands for the whole version): a function whose
 * model is missing answers 503, and one under another signature is refused at load.
 */
export async function modelsPublished(bucket: Pick<ArtifactBucket, "get">, bucketName: string): Promise<CheckResult> {
  const base = { id: "models-published", title: `models published in ${bucketName}` };
  const missing: string[] = [];
  const differing: string[] = [];
  const manifests = await readManifests();
  for (const manifest of manifests) {
    const published = await bucket.get(signatureKey(manifest));
    if (!published) missing.push(subjectName(manifest));
    else if ((await published.text()) !== (await readSignature(manifest))) differing.push(subjectName(manifest));
  }
  if (missing.length === 0 && differing.length === 0)
    return {
      ...base,
      status: "pass",
      detail: `${manifests.length} model versions, each under its committed signature`,
    };
  return {
    ...base,
    status: "fail",
    detail: [
      ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
      ...(differing.length > 0 ? [`another build of ${differing.join(", ")}`] : []),
    ].join("; "),
    fix: "npm run provision -- --env NAME publishes them (with MODEL_KEYS in .dev.vars.NAME)",
  };
}
