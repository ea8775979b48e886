/**
 * `npm run doctor`: what is wrong with this deployment (src/ops/doctor).
 *
 *   npm run doctor [-- --secrets-file FILE] [--json]
 *     the local configuration (`npm start`'s): wrangler.toml's top-level vars, then the secrets in
 *     FILE (default .dev.vars), then the environment, which wins; and whether every model is
 *     signed by a trusted key.
 *
 *   npm run doctor -- --env NAME [--secrets-file FILE] [--json]
 *     a deployed environment, as `npm run deploy` checks it before deploying (tools/deployment-
 *     checks.ts): [env.NAME]'s vars, the secrets as set in the account, judged from the operator's
 *     copies in FILE (default .dev.vars.NAME), and the models published in its bucket.
 *
 *   npm run doctor -- --base URL [--token T] [--expired-token T] [--model NAME ...] [--burst N]
 *                     [--max-requests N] [--ca PEM_FILE] [--json]
 *     a running endpoint from outside (src/ops/doctor/endpoint): Bastion or any Open Inference
 *     Protocol server. Only URL's origin is contacted, with at most --max-requests requests
 *     (default 400). The token (or BASTION_TOKEN) lets the doctor check what a caller with one can
 *     reach, forge tokens from it, and spend its rate limit; without one, those checks are skipped.
 *
 * Prints pass / warn / fail (and skip) per check with the fix, or JSON with --json; exits 1 when
 * any check fails, 2 on a usage error.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { endpointChecks } from "../src/ops/doctor/endpoint";
import { DEFAULT_BURST, DEFAULT_MAX_REQUESTS } from "../src/ops/doctor/endpoint/types";
import { anyFailed, formatReport } from "../src/ops/doctor/report";
import type { CheckResult } from "../src/ops/doctor/types";
import { checkConfiguration } from "./configuration-checks";
import { localSettings, targetEnvironment } from "./deployment";
import { checkDeployment } from "./deployment-checks";

const { values } = parseArgs({
  options: {
    env: { type: "string" },
    "secrets-file": { type: "string" },
    base: { type: "string" },
    token: { type: "string" },
    "expired-token": { type: "string" },
    model: { type: "string", multiple: true },
    burst: { type: "string", default: String(DEFAULT_BURST) },
    "max-requests": { type: "string", default: String(DEFAULT_MAX_REQUESTS) },
    ca: { type: "string" },
    json: { type: "boolean", default: false },
  },
});

function usage(message: string): never {
  console.error(`doctor: ${message}\nusage: npm run doctor [-- --env NAME] | npm run doctor -- --base URL [--token T]`);
  process.exit(2);
}

const count = (name: "burst" | "max-requests") => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) usage(`--${name} must be a positive whole number`);
  return value;
};

let results: CheckResult[];
if (values.base === undefined && values.env !== undefined) {
  const { results: checked, notes } = await checkDeployment(targetEnvironment(values, usage));
  results = checked;
  console.log(
    values.json ? JSON.stringify({ notes, results }, null, 2) : [...notes, "", formatReport(results)].join("\n"),
  );
} else if (values.base === undefined) {
  results = await checkConfiguration(localSettings(values["secrets-file"]));
  console.log(values.json ? JSON.stringify({ results }, null, 2) : formatReport(results));
} else {
  let base: URL;
  try {
    base = new URL(values.base);
  } catch {
    usage(`--base ${values.base} is not a URL`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") usage("--base must be an http or https URL");
  const token = values.token ?? process.env.BASTION_TOKEN;
  for (const [name, value] of [
    ["--token", token],
    ["--expired-token", values["expired-token"]],
  ] as const)
    if (value !== undefined && !isJwt(value)) usage(`${name} is not a JWT (header.payload.signature)`);
  const report = await endpointChecks(
    base,
    { token, expiredToken: values["expired-token"], models: values.model ?? [], burst: count("burst") },
    {
      maxRequests: count("max-requests"),
      timeoutMs: 10_000,
      ca: values.ca ? readFileSync(values.ca, "utf8") : undefined,
    },
  );
  results = report.results;
  console.log(
    values.json
      ? JSON.stringify(report, null, 2)
      : `${report.base}: models ${report.models.join(", ") || "unknown"}, ${report.requests} requests\n\n${formatReport(results)}`,
  );
}
if (anyFailed(results)) process.exitCode = 1;

function isJwt(value: string): boolean {
  const parts = value.split(".");
  if (parts.length !== 3) return false;
  try {
    JSON.parse(Buffer.from(parts[0], "base64url").toString());
    JSON.parse(Buffer.from(parts[1], "base64url").toString());
    return true;
  } catch {
    return false;
  }
}
