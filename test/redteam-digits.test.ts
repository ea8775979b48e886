/**
 * The red-team attacks on `digits`, the perceptron this project trains: on its plaintext ONNX
 * (the bytes the recipe encrypts), over HTTP against the worker that serves it, and the
 * robustness gate its manifest declares. Sample counts are small: the full runs are the CLI's.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPlaintext } from "../models/recipe";
import type { ModelManifest } from "../src/models/manifest";
import { runGate } from "../src/robustness/gate";
import { heldOutExamples } from "../src/robustness/held-out";
import { summarize } from "../src/robustness/metrics";
import { type Example, type RunOptions, runAttack } from "../src/robustness/run";
import { httpTarget } from "../src/robustness/targets/http";
import { type OnnxTarget, onnxTarget } from "../src/robustness/targets/onnx";
import { ROOT } from "../tools/local-state";
import { manifestOf } from "./reference";
import { startWorker, type TestWorker, tokenWithScopes } from "./worker";

let manifest: ModelManifest;
let examples: Example[];

beforeAll(async () => {
  manifest = await manifestOf("digits", "1");
  examples = await heldOutExamples("digits", 50);
});

const report = (name: string, run: Awaited<ReturnType<typeof runAttack>>) => {
  const s = summarize(run.results);
  console.log(
    `digits ${name}: success ${s.attack_success_rate} on ${s.samples}, adversarial_accuracy ${s.adversarial_accuracy}, ` +
      `median L2 ${s.median_l2?.toFixed(3)}, Linf ${s.median_linf?.toFixed(3)}, queries mean ${s.queries.mean}, ${run.durationMs} ms`,
  );
  return s;
};

describe("attacks on digits' plaintext ONNX, within ART's default budgets", () => {
  let target: OnnxTarget;
  const attack = (count: number, options: Omit<RunOptions, "seed">) =>
    runAttack(target, examples.slice(0, count), { seed: 0, concurrency: 2, ...options });

  beforeAll(async () => {
    target = await onnxTarget(await readPlaintext(manifest), { clip: [0, 1] });
  });
  afterAll(() => target?.close());

  it("HopSkipJump (L2: max_iter 50, max_eval 10,000, init_eval 100) succeeds on at least 90%", async () => {
    const summary = report("hsj L2", await attack(5, { attack: "hsj", norm: "2" }));
    expect(summary.attack_success_rate).toBeGreaterThanOrEqual(0.9);
    expect(summary.median_l2).toBeLessThan(2); // a small change to a 28x28 image: the perceptron is fragile
  });

  it("Square (L-inf: eps 0.3, max_iter 100) succeeds on at least 90%", async () => {
    const summary = report("square Linf", await attack(50, { attack: "square", norm: "inf" }));
    expect(summary.attack_success_rate).toBeGreaterThanOrEqual(0.9);
  });

  it("SimBA (DCT, epsilon 0.1, max_iter 3,000) succeeds on at least 90%", async () => {
    const summary = report("simba L2", await attack(20, { attack: "simba", norm: "2" }));
    expect(summary.attack_success_rate).toBeGreaterThanOrEqual(0.9);
  });
});

describe("attacks on digits served by the worker, with a redteam token", () => {
  let worker: TestWorker;

  beforeAll(async () => {
    const limits = { tiers: { redteam: { "*": { limit: 100_000, window: "1 m" } } } };
    worker = await startWorker({ vars: { RATE_LIMITS: JSON.stringify(limits) } });
  });
  afterAll(() => worker?.dispose());

  it("Square succeeds on at least 90% and HopSkipJump finds adversarial digits over OIP batches", async () => {
    const token = await tokenWithScopes("infer:digits", { sub: "redteam", tier: "redteam" });
    const digits = await httpTarget({ baseUrl: worker.url.href, token, functionName: "digits" });
    expect(digits).toMatchObject({ tier: "redteam", inputShape: [784], clip: [0, 1], nbClasses: 10 });
    const options = { seed: 0, concurrency: 8 } as const;
    const square = report(
      "square over HTTP",
      await runAttack(digits, examples.slice(0, 20), { ...options, attack: "square", norm: "inf" }),
    );
    expect(square.attack_success_rate).toBeGreaterThanOrEqual(0.9);
    const before = digits.requests;
    const hsj = report(
      "hsj over HTTP",
      await runAttack(digits, examples.slice(0, 3), { ...options, attack: "hsj", norm: "2", queries: 1000 }),
    );
    expect(hsj.attack_success_rate).toBe(1);
    // 3,000 queries: HopSkipJump's probes travel 64 to a request.
    expect(digits.requests - before).toBeLessThan(hsj.queries.total / 4);
  });
});

describe("the robustness gate (npm run redteam -- --gate)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "bastion-gate-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes the checks models/digits.json declares, and writes the gate's report", async () => {
    const out = path.join(dir, "out");
    const { stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "tools/redteam.ts", "--gate", "--out", out],
      { cwd: ROOT, timeout: 170_000 },
    );
    console.log(stderr.trim());
    const gate = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8"));
    expect(gate.gate.length).toBeGreaterThan(0);
    for (const result of gate.gate) expect(result).toMatchObject({ model: "digits", passed: true });
    expect(readFileSync(path.join(out, "report.html"), "utf8")).toContain("robust-accuracy");
  });

  it("fails a model whose robust accuracy is below the declared minimum", async () => {
    const manifests = path.join(dir, "manifests");
    const json = JSON.parse(readFileSync(path.join(ROOT, "models", "digits.json"), "utf8"));
    json.robustness = { attack: "square", norm: "inf", eps: 0.1, minRobustAccuracy: 0.9, samples: 10, queries: 100 };
    mkdirSync(manifests);
    writeFileSync(path.join(manifests, "digits.json"), JSON.stringify(json));
    const lines: string[] = [];
    expect(await runGate({ manifests, log: (line) => lines.push(line) })).toBe(false);
    expect(lines.join("\n")).toMatch(/FAIL digits square Linf eps 0\.1/);
  });
});
