/**
 * `npm run redteam`: black-box attacks (HopSkipJump, Square, SimBA, as ART defines them) against
 * a local ONNX classifier or a function served by Bastion, with a JSON and an HTML report.
 *
 *   npm run redteam -- --onnx model.onnx --inputs inputs.json --attack hsj --norm 2 --out DIR
 *   npm run redteam -- --base URL --token T --function NAME --inputs inputs.json --attack square --norm inf --out DIR
 *   npm run redteam -- --gate [--out DIR]         every robustness check the manifests declare
 *
 * Over HTTP, use a token of the `redteam` tier, so the attack runs under its own limits and the
 * audit log shows it was a test: npm run token -- --sub redteam --tier redteam --scope "infer:digits".
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { ReleasePolicy } from "../src/release/types";
import { ATTACK_NAMES, type AttackName, configureAttack } from "../src/robustness/attacks";
import type { Classifier } from "../src/robustness/attacks/types";
import { parseExamples } from "../src/robustness/examples";
import { runGate } from "../src/robustness/gate";
import { heldOutExamples } from "../src/robustness/held-out";
import { comparePolicies, parsePolicies } from "../src/robustness/policies";
import { buildReport, type Report, writeReport } from "../src/robustness/report";
import { policyName, policySection } from "../src/robustness/report/policies";
import { type Progress, type RunOptions, runAttack } from "../src/robustness/run";
import { httpTarget, principalTier } from "../src/robustness/targets/http";
import { onnxTarget } from "../src/robustness/targets/onnx";
import { textDetectTarget } from "../src/robustness/targets/text-detect";

const USAGE = `usage: npm run redteam -- (--onnx FILE | --base URL --token T --function NAME) (--inputs FILE | --heldout MODEL)
         --attack hsj|square|simba --norm 2|inf [--eps E] [--queries N] [--samples N] [--seed S]
         [--clip MIN,MAX] [--shape C,H,W] [--params JSON] [--batch N] [--concurrency N]
         [--policies full,rounded,label-only,... | --policies JSON] --out DIR
       npm run redteam -- --gate [--out DIR]
  --params takes ART's parameter names, e.g. '{"max_iter": 20}' (hsj), '{"p_init": 0.3}' (square),
  '{"attack": "px", "epsilon": 0.2}' (simba). --heldout digits attacks the first --samples (default 20) of the
  digits recipe's test split. The token may also come from BASTION_TOKEN. --function text-detect takes
  --shape 3,HEIGHT,WIDTH (its label: the number of boxes found). --policies (local targets) runs the
  same attack against the scores each release policy gives (names with their defaults, or a JSON list such
  as '[{"name": "rounded", "decimals": 1}]') and reports what each costs the attacker and the honest caller.`;

const DEFAULT_HELD_OUT_SAMPLES = 20;
/** Seconds between progress lines while an example is still running (HopSkipJump's take a while). */
const HEARTBEAT_S = 10;

const { values } = parseCommandLine({
  options: {
    onnx: { type: "string" },
    inputs: { type: "string" },
    heldout: { type: "string" },
    base: { type: "string" },
    token: { type: "string" },
    function: { type: "string" },
    attack: { type: "string" },
    norm: { type: "string" },
    eps: { type: "string" },
    queries: { type: "string" },
    samples: { type: "string" },
    seed: { type: "string", default: "0" },
    clip: { type: "string" },
    shape: { type: "string" },
    params: { type: "string" },
    batch: { type: "string" },
    concurrency: { type: "string" },
    policies: { type: "string" },
    out: { type: "string" },
    gate: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

/** text-detect's box count as the label, through /v1 with the caller's tier (read as for any served function). */
async function textDetect(baseUrl: string, token: string, [, height, width]: number[] = []) {
  const target = textDetectTarget({ baseUrl, token, height, width });
  const tier = await principalTier({ baseUrl, token, functionName: "text-detect" });
  return Object.assign(target, { tier });
}

/** parseArgs, its complaints shown with the usage. */
function parseCommandLine<T extends ParseArgsConfig>(config: T) {
  try {
    return parseArgs(config);
  } catch (error) {
    fail((error as Error).message);
  }
}

function fail(message: string): never {
  console.error(`redteam: ${message}\n${USAGE}`);
  process.exit(2);
}

const numbers = (text: string | undefined, name: string) =>
  text?.split(",").map((part) => {
    const n = Number(part);
    if (part.trim() === "" || !Number.isFinite(n)) fail(`--${name} takes numbers, not "${text}"`);
    return n;
  });
const number = (text: string | undefined, name: string) => numbers(text, name)?.[0];

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

if (values.gate) {
  const passed = await runGate({ out: values.out, log: (line) => console.error(line) });
  process.exit(passed ? 0 : 1);
}

const attack = values.attack as AttackName;
if (!ATTACK_NAMES.includes(attack)) fail(`--attack must be one of ${ATTACK_NAMES.join(", ")}`);
if (values.norm !== "2" && values.norm !== "inf") fail("--norm must be 2 or inf");
if (!values.out) fail("--out DIR is required");
if (!values.inputs === !values.heldout) fail("give either --inputs FILE or --heldout MODEL");
if (!values.onnx === !values.base) fail("give either --onnx FILE or --base URL");
const clip = numbers(values.clip, "clip") as [number, number] | undefined;
if (clip && (clip.length !== 2 || !(clip[0] < clip[1]))) fail("--clip takes MIN,MAX with MIN < MAX");
let params: Record<string, unknown> | undefined;
try {
  params = values.params ? JSON.parse(values.params) : undefined;
} catch {
  fail("--params must be a JSON object");
}
const norm = values.norm;
const eps = number(values.eps, "eps");
const queries = number(values.queries, "queries");
try {
  configureAttack(attack, { norm, eps, queries, params }); // refuses a norm or a parameter the attack lacks
} catch (error) {
  fail((error as Error).message);
}

let policies: ReleasePolicy[] | undefined;
if (values.policies !== undefined) {
  // Over HTTP the server releases under its own policy; compare there with RELEASE_POLICIES per tier.
  if (!values.onnx) fail("--policies applies to a local target (--onnx); a served function releases under its own");
  try {
    policies = parsePolicies(values.policies);
  } catch (error) {
    fail(`--policies: ${(error as Error).message}`);
  }
}

let target: Classifier;
let described: Report["target"];
if (values.onnx) {
  const onnx = await onnxTarget(values.onnx, { clip: clip ?? [0, 1], shape: numbers(values.shape, "shape") });
  target = onnx;
  described = { kind: "onnx", file: path.resolve(values.onnx), inputShape: onnx.inputShape, clip: onnx.clip };
  if (!clip) console.error("redteam: no --clip given: inputs are taken to range over [0, 1]");
} else {
  const token = values.token ?? process.env.BASTION_TOKEN;
  if (!token || !values.function) fail("--base needs --token (or BASTION_TOKEN) and --function");
  const shape = numbers(values.shape, "shape");
  if (values.function === "text-detect" && (shape?.length !== 3 || shape[0] !== 3)) {
    fail("text-detect takes --shape 3,HEIGHT,WIDTH (sides multiples of 32 up to 960)");
  }
  const http =
    values.function === "text-detect"
      ? await textDetect(values.base as string, token, shape)
      : await httpTarget({
          baseUrl: values.base as string,
          token,
          functionName: values.function,
          clip,
          maxBatch: number(values.batch, "batch"),
        });
  target = http;
  described = {
    kind: "http",
    base: values.base as string,
    function: values.function,
    tier: http.tier,
    inputShape: http.inputShape,
    clip: http.clip,
  };
  if (http.tier !== "redteam") {
    console.error(
      `redteam: the token's tier is "${http.tier}", not "redteam": this attack spends that tier's limits and ` +
        'is audited as ordinary traffic (npm run token -- --sub redteam --tier redteam --scope "infer:NAME")',
    );
  }
}

const size = target.inputShape.reduce((a, b) => a * b, 1);
const samples = number(values.samples, "samples");
const examples = values.inputs
  ? parseExamples(JSON.parse(readFileSync(values.inputs, "utf8")), size, samples)
  : await heldOutExamples(values.heldout as string, samples ?? DEFAULT_HELD_OUT_SAMPLES);
console.error(
  `redteam: ${attack} L${norm} on ${examples.length} examples of ${target.inputShape.join("x")}, ${target.nbClasses} classes`,
);

// Every query counted as it goes, for the progress lines.
let queriesSent = 0;
let examplesDone = 0;
const counted: Classifier = {
  ...target,
  labelOf: target.labelOf?.bind(target),
  predict: (batch) => {
    queriesSent += batch.length;
    return target.predict(batch);
  },
};
const started = Date.now();
const heartbeat = setInterval(() => {
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.error(`... ${examplesDone}/${examples.length} examples done, ${queriesSent} queries so far (${seconds} s)`);
}, HEARTBEAT_S * 1000);
const options: RunOptions = {
  attack,
  norm,
  eps,
  queries,
  seed: number(values.seed, "seed") ?? 0,
  params,
  concurrency: number(values.concurrency, "concurrency"),
  onProgress: ({ done, total, result: r }: Progress) => {
    examplesDone = done;
    const outcome = !r.attacked ? "misclassified, not attacked" : r.success ? "success" : "failed";
    console.error(
      `[${String(done).padStart(String(total).length)}/${total}] #${r.index} ${r.prediction} -> ${r.adversarialLabel} ` +
        `${outcome}  L2 ${r.l2.toFixed(4)}  Linf ${r.linf.toFixed(4)}  ${r.queries} queries  ` +
        `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  },
};
const compared = policies ? await comparePolicies(counted, examples, policies, options) : undefined;
const runs = compared ? compared.runs : [await runAttack(counted, examples, options)];
clearInterval(heartbeat);
if (described.kind === "http" && "requests" in target) described.requests = target.requests as number;

const reports = runs.map((run) => buildReport(run, described, queries));
// With --policies, the first policy's run is the report's own; every policy's summary is under `policies`.
const report = compared ? { ...reports[0], policies: compared.outcomes } : reports[0];
const rendered = runs.map((run, i) => ({
  report: reports[i],
  originals: run.originals,
  adversarial: run.adversarial,
  layout: target.layout,
  label: policies ? policyName(policies[i]) : undefined,
}));
const files = await writeReport(
  values.out,
  report,
  rendered,
  undefined,
  compared ? [policySection(compared.outcomes)] : [],
);
for (const [i, { summary }] of reports.entries()) {
  const honest = compared ? `, honest accuracy ${compared.outcomes[i].honestAccuracy.toFixed(3)}` : "";
  console.error(
    `redteam${policies ? ` [${policyName(policies[i])}]` : ""}: adversarial_accuracy ${summary.adversarial_accuracy.toFixed(3)} ` +
      `(clean ${summary.clean_accuracy.toFixed(3)}), attack_success_rate ${summary.attack_success_rate?.toFixed(3) ?? "-"}, ` +
      `median L2 ${summary.median_l2?.toFixed(4) ?? "-"}, median Linf ${summary.median_linf?.toFixed(4) ?? "-"}, ` +
      `${summary.queries.total} queries${honest}`,
  );
}
console.log(files.json);
console.log(files.html);
