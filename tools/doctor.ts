/**
 * `npm run doctor`: what is wrong with this deployment (src/ops/doctor).
 *
 *   npm run doctor [-- --env NAME] [--env-file FILE] [--json]
 *     the configuration: wrangler.toml's vars (the top level, or [env.NAME]), then the secrets in
 *     FILE (default .dev.vars, or .dev.vars.NAME), then the environment, which wins; and whether
 *     every model is signed by a trusted key.
 *
 * Prints pass / warn / fail per check with the fix, or JSON with --json; exits 1 when any check
 * fails.
 */
import { parseArgs } from "node:util";
import { anyFailed, formatReport } from "../src/ops/doctor/report";
import { checkConfiguration } from "./configuration-checks";
import { deploymentSettings } from "./deployment";

const { values } = parseArgs({
  options: {
    env: { type: "string" },
    "env-file": { type: "string" },
    json: { type: "boolean", default: false },
  },
});

const results = await checkConfiguration(deploymentSettings(values.env, values["env-file"]));
console.log(values.json ? JSON.stringify({ results }, null, 2) : formatReport(results));
if (anyFailed(results)) process.exitCode = 1;
