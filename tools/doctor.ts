/**
 * `npm run doctor [-- --env-file FILE] [--json]`: what is wrong with this deployment's
 * configuration (src/ops/doctor): wrangler.toml's [vars], then the secrets from FILE (default
 * .dev.vars, the local ones), then the environment, which wins; and whether every model is
 * signed by a trusted key. Prints pass / warn / fail per check with the fix, or JSON with
 * --json; exits 1 when any check fails.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { parse as parseToml } from "smol-toml";
import { readManifests } from "../models/recipe";
import { checkCommittedSignature } from "../models/signing";
import { subjectName } from "../src/governance/model-signature";
import { configurationChecks } from "../src/ops/doctor/config";
import type { CheckResult } from "../src/ops/doctor/types";
import { DEV_VARS, ROOT } from "./local-state";

const { values } = parseArgs({
  options: { "env-file": { type: "string" }, json: { type: "boolean", default: false } },
});

const wrangler = parseToml(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")) as { vars?: Record<string, string> };
const envFile = values["env-file"] ?? DEV_VARS;
const secrets = existsSync(envFile) ? (parseEnv(readFileSync(envFile, "utf8")) as Record<string, string>) : {};
const settings = { ...wrangler.vars, ...secrets, ...process.env };

const results: CheckResult[] = [...(await configurationChecks(settings)), await modelsSigned()];

if (values.json) console.log(JSON.stringify({ results }, null, 2));
else {
  const mark = { pass: "PASS", warn: "WARN", fail: "FAIL" } as const;
  for (const r of results) {
    console.log(`${mark[r.status]}  ${r.title}: ${r.detail}`);
    if (r.fix) console.log(`      fix: ${r.fix}`);
  }
  const count = (status: string) => results.filter((r) => r.status === status).length;
  console.log(`\n${count("pass")} pass, ${count("warn")} warn, ${count("fail")} fail`);
}
if (results.some((r) => r.status === "fail")) process.exitCode = 1;

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
