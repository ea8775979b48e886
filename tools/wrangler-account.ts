/**
 * What the Cloudflare account holds of an environment, read with wrangler's own commands. Each
 * reader follows what wrangler 4.86 prints (node_modules/wrangler/wrangler-dist/cli.js, the
 * command named beside it): results on stdout, errors on stderr after `✘ [ERROR]`, exit code 1 on
 * any error. A command failing for any reason other than the absence it asks about (not logged
 * in, no permission, no network) leaves the account unreadable, in wrangler's words.
 */
import { stripVTControlCharacters } from "node:util";
import type { AccountState, DesiredResources, ObservedRule } from "../src/ops/provision/types";
import { runWrangler, WranglerFailed } from "./wrangler";

export async function readAccount(desired: DesiredResources): Promise<AccountState> {
  try {
    const buckets = await bucketNames();
    const queues = new Set<string>();
    for (const { name } of desired.queues) if (await queueExists(name)) queues.add(name);
    const auditRules = buckets.has(desired.auditBucket) ? await lifecycleRules(desired.auditBucket) : [];
    const secrets = await secretNames(desired.env, desired.worker);
    return { readable: true, buckets, queues, auditRules, secrets };
  } catch (error) {
    if (error instanceof WranglerFailed) return { readable: false, reason: error.reason };
    throw error;
  }
}

/** The names of the secrets set on an environment's worker, or why they could not be read. */
export async function readAccountSecrets(
  env: string,
  worker: string,
): Promise<{ readable: true; names: ReadonlySet<string> } | { readable: false; reason: string }> {
  try {
    return { readable: true, names: await secretNames(env, worker) };
  } catch (error) {
    if (error instanceof WranglerFailed) return { readable: false, reason: error.reason };
    throw error;
  }
}

/** Runs a command that only reads: its stdout, without colours. */
async function read(args: string[]): Promise<string> {
  const output = await runWrangler(args);
  if (output.code !== 0) throw new WranglerFailed(args, output);
  return stripVTControlCharacters(output.stdout);
}

/** Reads something that may not exist: undefined when wrangler's error says `absent`. */
async function readIfPresent(args: string[], absent: string): Promise<string | undefined> {
  try {
    return await read(args);
  } catch (error) {
    if (error instanceof WranglerFailed && error.reason.includes(absent)) return undefined;
    throw error;
  }
}

/**
 * r2BucketListCommand: "Listing buckets...", then per bucket formatLabelledValues({name,
 * creation_date}) (`name:` and the value, padded), the buckets apart by a blank line.
 */
async function bucketNames(): Promise<Set<string>> {
  const stdout = await read(["r2", "bucket", "list"]);
  return new Set([...stdout.matchAll(/^name:\s+(\S+)\s*$/gm)].map((m) => m[1]));
}

/**
 * queuesInfoCommand: `Queue Name: NAME` and its details; for a missing queue getQueue throws
 * `Queue "NAME" does not exist. To create it, run: wrangler queues create NAME`.
 */
async function queueExists(name: string): Promise<boolean> {
  return (await readIfPresent(["queues", "info", name], `Queue "${name}" does not exist`)) !== undefined;
}

/**
 * r2BucketLifecycleListCommand: "There are no lifecycle rules for bucket 'B'.", or per rule
 * formatLabelledValues of tableFromLifecycleRulesResponse: name, enabled (Yes/No), prefix
 * ("(all prefixes)" for none) and action, e.g. "Expire objects after 180 days" (formatCondition
 * of an Age condition), several actions joined by ", ".
 */
async function lifecycleRules(bucket: string): Promise<ObservedRule[]> {
  const stdout = await read(["r2", "bucket", "lifecycle", "list", bucket]);
  const rules: ObservedRule[] = [];
  for (const [, label, value] of stdout.matchAll(/^(name|enabled|prefix|action):\s+(.*?)\s*$/gm)) {
    if (label === "name") rules.push({ name: value, enabled: false, prefix: "" });
    const rule = rules.at(-1);
    if (!rule) continue;
    if (label === "enabled") rule.enabled = value === "Yes";
    if (label === "prefix") rule.prefix = value === "(all prefixes)" ? "" : value;
    const expire = label === "action" ? /Expire objects after (\d+(?:\.\d+)?) days/.exec(value) : null;
    if (expire) rule.expireDays = Number(expire[1]);
  }
  return rules;
}

/**
 * secretListCommand: with its default --format json, only JSON.stringify(secrets, null, "  ") on
 * stdout (no banner), an array of {name, type}. A worker not created yet (never deployed, no
 * secret put) is the error `Worker "NAME" (env: ENV) not found.`: it has no secrets.
 */
async function secretNames(env: string, worker: string): Promise<Set<string>> {
  const stdout = await readIfPresent(["secret", "list", "--env", env], `Worker "${worker}" (env: ${env}) not found`);
  return new Set(stdout ? (JSON.parse(stdout) as { name: string }[]).map((s) => s.name) : []);
}
