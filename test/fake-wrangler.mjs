#!/usr/bin/env node
/**
 * A fake `wrangler` for the ops tools' tests, standing in for a Cloudflare account there is none
 * of here. The tools run it through WRANGLER=test/fake-wrangler.mjs; it keeps the account in
 * $FAKE_WRANGLER_STATE/account.json (objects under r2/), appends every call (argv, and stdin where
 * a command reads it) to calls.jsonl, and answers the commands the tools use as wrangler 4.86 does
 * (node_modules/wrangler/wrangler-dist/cli.js, the command named at each): results on stdout,
 * errors on stderr as its logger formats them (`✘ [ERROR] message`, in colour), exit code 1.
 * `deploy --dry-run` needs no account: it is handed to the real wrangler.
 *
 * account.json: {loggedIn, buckets: {NAME: {rules: [{name, enabled, prefix, expireDays}]}},
 * queues: [NAME], workers: {NAME: {secrets: {NAME: value}}}}; a missing file is an empty account.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REAL_WRANGLER = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const dir = process.env.FAKE_WRANGLER_STATE;
if (!dir) throw new Error("FAKE_WRANGLER_STATE must name the fake account's directory");
const stateFile = path.join(dir, "account.json");
const state = existsSync(stateFile)
  ? JSON.parse(readFileSync(stateFile, "utf8"))
  : { loggedIn: true, buckets: {}, queues: [], workers: {} };
const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));

const args = process.argv.slice(2);
const flag = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const positionals = args.filter(
  (a, i) => !a.startsWith("--") && !(args[i - 1]?.startsWith("--") && !isBoolean(args[i - 1])),
);
function isBoolean(option) {
  return ["--pipe", "--remote", "--dry-run", "--json"].includes(option);
}
/** The command's words, e.g. "r2 bucket create" for `r2 bucket create NAME`. */
const is = (words) => positionals.slice(0, words.split(" ").length).join(" ") === words;
const stdin = is("secret put") || is("r2 object put") ? readFileSync(0) : undefined;
// Secrets are recorded as received, so a test can see each arrived on stdin; objects by size.
const received = is("secret put") ? { stdin: stdin.toString("utf8") } : stdin ? { stdinBytes: stdin.length } : {};
appendFileSync(path.join(dir, "calls.jsonl"), `${JSON.stringify({ args, ...received })}\n`);

const say = (text) => process.stdout.write(`${text}\n`);
/** Every command with a banner prints it first (printBanner's default). */
const banner = () => say(` ⛅️ wrangler 4.86.0\n${"─".repeat(38)}`);
/** handleError: logger.error(e) through esbuild's formatMessages, in colour; then exit 1. */
function fail(text, notes = []) {
  const lines = [`\x1b[31m✘ \x1b[41;31m[\x1b[41;97mERROR\x1b[41;31m]\x1b[0m \x1b[1m${text}\x1b[0m`, ...notes];
  process.stderr.write(`\n${lines.join("\n\n  ")}\n\n`);
  process.exit(1);
}
/** fetchResult's APIError for a Cloudflare API error. */
const apiError = (resource, message, code) =>
  fail(`A request to the Cloudflare API (/accounts/fake${resource}) failed.`, [`${message} [code: ${code}]`]);
const noBucket = (name) => apiError(`/r2/buckets/${name}`, "The specified bucket does not exist.", 10006);
/** formatLabelledValues: each label and colon padded to the longest, then two spaces. */
function labelled(view) {
  const width = Math.max(...Object.keys(view).map((label) => label.length + 1)) + 2;
  return Object.entries(view)
    .map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`)
    .join("\n");
}
const workerName = () => {
  const name = /^name = "([^"]+)"/m.exec(readFileSync("wrangler.toml", "utf8"))?.[1];
  return flag("env") ? `${name}-${flag("env")}` : name;
};

if (is("deploy") && args.includes("--dry-run")) {
  const real = spawnSync(process.execPath, [REAL_WRANGLER, ...args], { stdio: "inherit" });
  process.exit(real.status ?? 1);
}

// requireAuth, in a non-interactive run without CLOUDFLARE_API_TOKEN.
if (!state.loggedIn)
  fail(
    "In a non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN environment variable for wrangler to work. Please go to https://developers.cloudflare.com/fundamentals/api/get-started/create-token/ for instructions on how to create an api token, and assign its value to CLOUDFLARE_API_TOKEN.",
  );

if (is("r2 bucket list")) {
  // r2BucketListCommand
  banner();
  say("Listing buckets...");
  say(
    Object.keys(state.buckets)
      .map((name) => labelled({ name, creation_date: "2026-11-27T00:00:00.000Z" }))
      .join("\n\n"),
  );
} else if (is("r2 bucket create")) {
  // r2BucketCreateCommand
  const name = positionals[3];
  banner();
  if (state.buckets[name])
    apiError("/r2/buckets", "The bucket you tried to create already exists, and you own it.", 10004);
  state.buckets[name] = { rules: [] };
  save();
  say(`Creating bucket '${name}'...\n✅ Created bucket '${name}' with default storage class of Standard.`);
} else if (is("queues info") || is("queues create")) {
  // queuesInfoCommand (getQueue), queuesCreateCommand
  const name = positionals[2];
  banner();
  const exists = state.queues.includes(name);
  if (is("queues info")) {
    if (!exists) fail(`Queue "${name}" does not exist. To create it, run: wrangler queues create ${name}`);
    say(`Queue Name: ${name}\nQueue ID: fake-${name}\nNumber of Producers: 0\nNumber of Consumers: 0`);
  } else {
    say(`🌀 Creating queue '${name}'`);
    if (exists) apiError("/queues", `A queue with name ${name} already exists.`, 11009);
    state.queues.push(name);
    save();
    say(`✅ Created queue '${name}'`);
  }
} else if (is("r2 bucket lifecycle list") || is("r2 bucket lifecycle add")) {
  // r2BucketLifecycleListCommand (tableFromLifecycleRulesResponse), r2BucketLifecycleAddCommand
  const [, , , , bucket, name, prefix] = positionals;
  banner();
  if (!state.buckets[bucket]) noBucket(bucket);
  const { rules } = state.buckets[bucket];
  if (is("r2 bucket lifecycle list")) {
    say(`Listing lifecycle rules for bucket '${bucket}'...`);
    if (rules.length === 0) say(`There are no lifecycle rules for bucket '${bucket}'.`);
    else
      say(
        rules
          .map((rule) =>
            labelled({
              name: rule.name,
              enabled: rule.enabled ? "Yes" : "No",
              prefix: rule.prefix || "(all prefixes)",
              action: rule.expireDays === undefined ? "(none)" : `Expire objects after ${rule.expireDays} days`,
            }),
          )
          .join("\n\n"),
      );
  } else {
    rules.push({ name, enabled: true, prefix: prefix ?? "", expireDays: Number(flag("expire-days")) });
    save();
    say(
      `Adding lifecycle rule '${name}' to bucket '${bucket}'...\n✨ Added lifecycle rule '${name}' to bucket '${bucket}'.`,
    );
  }
} else if (is("secret list") || is("secret put")) {
  // secretListCommand (JSON by default, no banner), secretPutCommand (stdin; createDraftWorker)
  const worker = workerName();
  if (is("secret list")) {
    if (!state.workers[worker])
      fail(`Worker "${worker}" (env: ${flag("env")}) not found.`, [
        "If this is a new Worker, run `wrangler deploy` first to create it.\nOtherwise, check that the Worker name is correct and you're logged into the right account.",
      ]);
    const secrets = Object.keys(state.workers[worker].secrets).map((name) => ({ name, type: "secret_text" }));
    say(JSON.stringify(secrets, null, "  "));
  } else {
    banner();
    if (!state.workers[worker]) {
      say(`🌀 Creating new Worker "${worker}"...`);
      state.workers[worker] = { secrets: {} };
    }
    say(`🌀 Creating the secret for the Worker "${worker}" `);
    state.workers[worker].secrets[positionals[2]] = stdin.toString("utf8").trimEnd();
    save();
    say(`✨ Success! Uploaded secret ${positionals[2]}`);
  }
} else if (is("r2 object get") || is("r2 object put")) {
  // r2ObjectGetCommand, r2ObjectPutCommand, both with --pipe and --remote
  const objectPath = positionals[3];
  const bucket = objectPath.slice(0, objectPath.indexOf("/"));
  const key = objectPath.slice(bucket.length + 1);
  const file = path.join(dir, "r2", bucket, encodeURIComponent(key));
  if (is("r2 object get")) {
    if (!existsSync(file)) fail("The specified key does not exist.");
    process.stdout.write(readFileSync(file));
  } else {
    if (!state.buckets[bucket]) noBucket(bucket);
    say(`Creating object "${key}" in bucket "${bucket}".`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, stdin);
    say("Upload complete.");
  }
} else if (is("deploy")) {
  // deployCommand, without --dry-run: the worker is uploaded, and exists from then on.
  const worker = workerName();
  banner();
  state.workers[worker] ??= { secrets: {} };
  save();
  say(`Uploaded ${worker} (1.00 sec)\nDeployed ${worker} triggers (0.50 sec)\nCurrent Version ID: fake`);
} else {
  fail(`the fake wrangler does not know: wrangler ${args.join(" ")}`);
}
