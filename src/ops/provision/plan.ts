/**
 * The plan: each thing the environment needs against what the account holds. Only what is missing
 * gets a step; nothing present is changed, so running provisioning again finds nothing to do. A
 * secret already set in the account is never replaced, whatever the operator's file holds.
 */
import { DEPLOYMENT_SECRETS } from "./secrets";
import type { AccountState, DesiredResources, ObservedRule, PlanItem, RetentionRule } from "./types";

export interface PlanOptions {
  /** The secrets the operator holds for this environment (its secrets file). */
  operatorSecrets: Record<string, string>;
  /** That file's name, for the messages. */
  secretsFile: string;
  /** Set each missing required secret: the operator's copy if the file has one, else a generated one. */
  generateSecrets: boolean;
}

export function planProvisioning(desired: DesiredResources, account: AccountState, options: PlanOptions): PlanItem[] {
  // An account wrangler cannot read is planned for as a fresh one (a dry run says so).
  const found = account.readable
    ? account
    : { buckets: new Set<string>(), queues: new Set<string>(), auditRules: [], secrets: new Set<string>() };
  const { env, durableObjects } = desired;
  return [
    ...[desired.modelsBucket, desired.auditBucket].map(
      (bucket): PlanItem =>
        found.buckets.has(bucket)
          ? { what: `R2 bucket ${bucket}`, status: "present" }
          : { what: `R2 bucket ${bucket}`, status: "create", step: { kind: "create-bucket", bucket } },
    ),
    ...desired.queues.map(({ name, deadLetter }): PlanItem => {
      const what = `${deadLetter ? "dead-letter queue" : "queue"} ${name}`;
      return found.queues.has(name)
        ? { what, status: "present" }
        : { what, status: "create", step: { kind: "create-queue", queue: name } };
    }),
    ...retentionItems(desired.auditBucket, desired.retention, found.auditRules),
    {
      what: `Durable Objects ${durableObjects.classes.join(", ")}`,
      status: "deploy",
      detail: `npx wrangler deploy --env ${env} makes them, applying the migrations ${durableObjects.migrations.join(", ")}`,
    },
    ...secretItems(env, found.secrets, options),
    modelsItem(desired, found.secrets, options),
  ];
}

/** Each secret: set (never replaced), to set now, or for the operator to set, with how. */
function secretItems(env: string, set: ReadonlySet<string>, options: PlanOptions): PlanItem[] {
  const { operatorSecrets, secretsFile } = options;
  return DEPLOYMENT_SECRETS.map((spec): PlanItem => {
    const what = `secret ${spec.name}`;
    const byHand = `by hand: npx wrangler secret put ${spec.name} --env ${env}, entering ${spec.value}`;
    const held = spec.name in operatorSecrets;
    if (set.has(spec.name))
      return {
        what,
        status: "present",
        detail: spec.generate && !held ? `${secretsFile} holds no copy, so its value is not checked here` : undefined,
      };
    if (spec.optionalFor) return { what, status: "operator", detail: `optional, for ${spec.optionalFor}; ${byHand}` };
    if (options.generateSecrets)
      return {
        what,
        status: "create",
        detail: held ? `from ${secretsFile}` : `generated, its copy kept in ${secretsFile}`,
        step: { kind: "put-secret", name: spec.name, source: held ? "operator-file" : "generated" },
      };
    return {
      what,
      status: "operator",
      detail: `--generate-secrets sets it${held ? ` from ${secretsFile}` : ""}; ${byHand}`,
    };
  });
}

const removeRule = (bucket: string, name: string) => `npx wrangler r2 bucket lifecycle remove ${bucket} --name ${name}`;

/** The audit bucket's retention: each rule present as it must be, or to add; any other rule deleting the log sooner. */
function retentionItems(
  bucket: string,
  wanted: readonly RetentionRule[],
  observed: readonly ObservedRule[],
): PlanItem[] {
  const items: PlanItem[] = [];
  for (const rule of wanted) {
    const what = `lifecycle rule ${rule.name} on ${bucket}`;
    const expires = `objects under ${rule.prefix} expire after ${rule.expireDays} days`;
    const same = observed.find((o) => o.name === rule.name);
    if (!same)
      items.push({ what, status: "create", detail: expires, step: { kind: "add-retention-rule", bucket, rule } });
    else if (same.enabled && same.prefix === rule.prefix && same.expireDays === rule.expireDays)
      items.push({ what, status: "present", detail: expires });
    else
      items.push({
        what,
        status: "conflict",
        detail: `found ${describeRule(same)}, not ${expires}: ${removeRule(bucket, same.name)}, then provision again`,
      });
  }
  for (const other of observed) {
    const cutsShort = wanted.some(
      (rule) =>
        (rule.prefix.startsWith(other.prefix) || other.prefix.startsWith(rule.prefix)) &&
        other.expireDays !== undefined &&
        other.expireDays < rule.expireDays,
    );
    if (other.enabled && cutsShort && !wanted.some((rule) => rule.name === other.name))
      items.push({
        what: `lifecycle rule ${other.name} on ${bucket}`,
        status: "conflict",
        detail: `${describeRule(other)}: deletes audit objects before AUDIT_RETENTION_DAYS; ${removeRule(bucket, other.name)}`,
      });
  }
  return items;
}

function describeRule(rule: ObservedRule): string {
  const action = rule.expireDays === undefined ? "expires nothing by age" : `expires after ${rule.expireDays} days`;
  return `${rule.enabled ? "" : "a disabled rule that "}${action} under ${rule.prefix || "the whole bucket"}`;
}

/** The models are published with MODEL_KEYS from the operator's file (or the one generated now). */
function modelsItem(desired: DesiredResources, secretsSet: ReadonlySet<string>, options: PlanOptions): PlanItem {
  const what = `models in ${desired.modelsBucket}`;
  const keyring = "MODEL_KEYS" in options.operatorSecrets || (options.generateSecrets && !secretsSet.has("MODEL_KEYS"));
  if (keyring)
    return {
      what,
      status: "publish",
      detail: "each variant and signature the bucket lacks, or holds under a key MODEL_KEYS does not have",
      step: { kind: "publish-models", bucket: desired.modelsBucket },
    };
  return {
    what,
    status: "operator",
    detail: secretsSet.has("MODEL_KEYS")
      ? `MODEL_KEYS is set in the account, but ${options.secretsFile} holds no copy to encrypt them with: add it there`
      : `not published until ${options.secretsFile} holds MODEL_KEYS: --generate-secrets makes it`,
  };
}
