/**
 * The robustness gate (`npm run redteam -- --gate`): a model manifest may declare
 *
 *   "robustness": [{"attack": "square", "norm": "inf", "eps": 0.1, "minRobustAccuracy": 0.5,
 *                   "samples": 20, "queries": 300}]
 *
 * (one check or a list), and the gate runs each against the model's plaintext ONNX (the same
 * bytes the recipe encrypts), on the first `samples` examples of the model's held-out set, and
 * fails when `adversarial_accuracy` falls below `minRobustAccuracy`. Seeded (`seed`, default 0),
 * so a failure can be reproduced.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { readPlaintext } from "../../models/recipe";
import { parseManifest } from "../models/manifest";
import { ATTACK_NAMES } from "./attacks";
import { type ExampleSource, HELD_OUT, MODELS_DIR } from "./held-out";
import { buildReport, type RenderedRun, type Report, writeReport } from "./report";
import { runAttack } from "./run";
import { onnxTarget } from "./targets/onnx";

export const robustnessCheckSchema = z
  .object({
    attack: z.enum(ATTACK_NAMES),
    norm: z.enum(["2", "inf"]),
    eps: z.number().positive(),
    minRobustAccuracy: z.number().min(0).max(1),
    samples: z.number().int().positive(),
    queries: z.number().int().positive(),
    seed: z.number().int().nonnegative().default(0),
    /** The model's valid input range. */
    clip: z.tuple([z.number(), z.number()]).default([0, 1]),
    /** ART's parameters, by ART's names. */
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type RobustnessCheck = z.infer<typeof robustnessCheckSchema>;

const declaration = z.union([robustnessCheckSchema, z.array(robustnessCheckSchema).min(1)]);

export interface GateOptions {
  /** Directory of the manifests; models/ by default. */
  manifests?: string;
  /** Held-out examples per model id (the defaults know the models of this repository). */
  sources?: Record<string, ExampleSource>;
  /** Where to write report.json and report.html of every check. */
  out?: string;
  log?: (line: string) => void;
}

export interface CheckResult {
  model: string;
  check: RobustnessCheck;
  adversarial_accuracy: number;
  passed: boolean;
}

/** The manifests that declare checks, with their checks. */
export async function declaredChecks(dir = MODELS_DIR) {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  const found = [];
  for (const file of files) {
    const json = JSON.parse(await readFile(path.join(dir, file), "utf8"));
    if (json.robustness === undefined) continue;
    const parsed = declaration.safeParse(json.robustness);
    if (!parsed.success) throw new Error(`${file}: robustness: ${parsed.error.issues[0].message}`);
    found.push({ manifest: parseManifest(json), checks: [parsed.data].flat() });
  }
  return found;
}

export async function runGate(options: GateOptions = {}): Promise<boolean> {
  const log = options.log ?? (() => {});
  const sources = { ...HELD_OUT, ...options.sources };
  const results: CheckResult[] = [];
  const reports: Report[] = [];
  const rendered: RenderedRun[] = [];
  const declared = await declaredChecks(options.manifests);
  if (declared.length === 0) log("gate: no manifest declares a robustness check");
  for (const { manifest, checks } of declared) {
    const source = sources[manifest.id];
    if (!source) throw new Error(`gate: no held-out examples are known for ${manifest.id}`);
    const bytes = await readPlaintext(manifest);
    for (const check of checks) {
      const target = await onnxTarget(bytes, { clip: check.clip });
      try {
        const examples = await source(manifest, check.samples);
        const run = await runAttack(target, examples, { ...check, queries: check.queries });
        const report = buildReport(
          run,
          {
            kind: "onnx",
            file: `${manifest.id}@${manifest.version}`,
            inputShape: target.inputShape,
            clip: target.clip,
          },
          check.queries,
        );
        const accuracy = report.summary.adversarial_accuracy;
        const passed = accuracy >= check.minRobustAccuracy;
        results.push({ model: manifest.id, check, adversarial_accuracy: accuracy, passed });
        reports.push(report);
        rendered.push({ report, originals: run.originals, adversarial: run.adversarial });
        log(
          `gate: ${passed ? "pass" : "FAIL"} ${manifest.id} ${check.attack} L${check.norm} eps ${check.eps}: ` +
            `adversarial_accuracy ${accuracy.toFixed(3)} (at least ${check.minRobustAccuracy}), ` +
            `${check.samples} samples, ${report.summary.queries.total} queries, ${report.summary.duration_s.toFixed(1)} s`,
        );
      } finally {
        await target.close();
      }
    }
  }
  if (options.out)
    await writeReport(options.out, { gate: results, runs: reports }, rendered, "Bastion robustness gate");
  return results.every((r) => r.passed);
}
