/**
 * The red-team attacks where the answer is known: a linear classifier (built here as an ONNX
 * file), whose smallest label-changing perturbation is |w.x + b| / ||w|| in L2 (and / ||w||_1 in
 * L-inf). Then the report (JSON fields; the HTML in headless Chromium) and the command line end
 * to end.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Classifier } from "../src/robustness/attacks/types";
import { summarize } from "../src/robustness/metrics";
import { Random } from "../src/robustness/random";
import { buildReport, writeReport } from "../src/robustness/report";
import { CURVE_POINTS, GRID_EXAMPLES, HISTOGRAM_BINS } from "../src/robustness/report/html";
import { type Example, type Run, type RunOptions, runAttack } from "../src/robustness/run";
import { type OnnxTarget, onnxTarget } from "../src/robustness/targets/onnx";
import { ROOT } from "../tools/local-state";
import { findChromium, launchHeadless } from "./chromium";
import { distanceToBoundary, type Linear, linearOnnx } from "./linear-onnx";

const SCREENSHOT = path.join(ROOT, "test-results", "redteam.png");
/** Wide enough that clipping never binds: the exact minimum is the hyperplane's distance. */
const CLIP = [-10, 10] as const;

/** A random linear classifier over `inputs` features, and `count` inputs in [-1, 1]. */
function linearProblem(inputs: number, classes: number, count: number, seed: number) {
  const random = new Random(seed);
  const linear: Linear = {
    inputs,
    classes,
    weights: Float32Array.from({ length: inputs * classes }, () => random.normal()),
    bias: Float32Array.from({ length: classes }, () => random.uniform(-0.5, 0.5)),
  };
  const examples: Example[] = Array.from({ length: count }, () => ({
    data: Float32Array.from({ length: inputs }, () => random.uniform(-1, 1)),
  }));
  return { linear, examples };
}

/** ||w_0 - w_1||_2 / ||w_0 - w_1||_1: turns the L2 distance to the boundary into the L-inf one. */
function l2ToLinf({ weights, inputs, classes }: Linear): number {
  let l1 = 0;
  let squares = 0;
  for (let i = 0; i < inputs; i++) {
    const w = weights[i * classes] - weights[i * classes + 1];
    l1 += Math.abs(w);
    squares += w * w;
  }
  return Math.sqrt(squares) / l1;
}

describe("attacks on a linear classifier, where the smallest perturbation is known", () => {
  const { linear, examples } = linearProblem(50, 2, 5, 1);
  let target: OnnxTarget;
  const attack = (options: Omit<RunOptions, "seed"> & { seed?: number }, on: Classifier = target) =>
    runAttack(on, examples, { seed: 0, concurrency: 2, ...options });

  beforeAll(async () => {
    target = await onnxTarget(linearOnnx(linear), { clip: CLIP });
  });
  afterAll(() => target?.close());

  it("HopSkipJump (L2, ART's defaults) comes within 2% of |w.x + b| / ||w|| on every input", async () => {
    const run = await attack({ attack: "hsj", norm: "2" });
    const ratios = run.results.map((r) => r.l2 / distanceToBoundary(linear, examples[r.index].data));
    console.log(`HSJ L2 / exact minimum: ${ratios.map((q) => q.toFixed(4)).join(", ")}`);
    for (const r of run.results) expect(r.success).toBe(true);
    for (const ratio of ratios) {
      expect(ratio).toBeGreaterThan(0.999); // nothing adversarial lies closer than the boundary
      expect(ratio).toBeLessThan(1.02);
    }
  });

  it("HopSkipJump (L-inf) comes within 2% of |w.x + b| / ||w||_1 on every input", async () => {
    const run = await attack({ attack: "hsj", norm: "inf" });
    const scale = l2ToLinf(linear);
    const ratios = run.results.map((r) => r.linf / (distanceToBoundary(linear, examples[r.index].data) * scale));
    console.log(`HSJ Linf / exact minimum: ${ratios.map((q) => q.toFixed(4)).join(", ")}`);
    for (const ratio of ratios) {
      expect(ratio).toBeGreaterThan(0.999);
      expect(ratio).toBeLessThan(1.02);
    }
  });

  it("HopSkipJump reads labels only: a target that releases one-hot labels gives the same result", async () => {
    const labelsOnly: Classifier = {
      ...target,
      predict: async (batch) =>
        (await target.predict(batch)).map((s) => Float32Array.from(s, (v) => (v === Math.max(...s) ? 1 : 0))),
    };
    const [scored, hardened] = await Promise.all([
      attack({ attack: "hsj", norm: "2", queries: 3000 }),
      attack({ attack: "hsj", norm: "2", queries: 3000 }, labelsOnly),
    ]);
    expect(hardened.results).toEqual(scored.results);
  });

  it("Square (L-inf) and SimBA (DCT and pixel bases) change every label within their default budgets", async () => {
    // The farthest input needs L-inf 0.246, too close to ART's eps of 0.3 for 100 random squares in 50 dimensions.
    const square = await attack({ attack: "square", norm: "inf", eps: 0.5 });
    const simbaDct = await attack({ attack: "simba", norm: "2" });
    const simbaPx = await attack({ attack: "simba", norm: "2", params: { attack: "px" } });
    for (const run of [square, simbaDct, simbaPx]) {
      const summary = summarize(run.results);
      console.log(
        `${run.attack.name} ${JSON.stringify(run.attack.params)}: success ${summary.attack_success_rate}, ` +
          `median L2 ${summary.median_l2?.toFixed(3)}, Linf ${summary.median_linf?.toFixed(3)}, queries ${summary.queries.mean}`,
      );
      expect(summary.attack_success_rate).toBe(1);
      expect(summary.adversarial_accuracy).toBe(0);
    }
    for (const r of square.results) expect(r.linf).toBeLessThanOrEqual(0.5 + 1e-6);
  });

  it("a seeded run reproduces exactly, and another seed takes another path", async () => {
    for (const name of ["hsj", "square", "simba"] as const) {
      const norm = name === "square" ? "inf" : "2";
      const [first, again, other] = await Promise.all([
        attack({ attack: name, norm, seed: 7, queries: 400 }),
        attack({ attack: name, norm, seed: 7, queries: 400 }),
        attack({ attack: name, norm, seed: 8, queries: 400 }),
      ]);
      expect(again.results).toEqual(first.results);
      expect(again.adversarial).toEqual(first.adversarial);
      expect(other.adversarial).not.toEqual(first.adversarial);
    }
  });

  it("stops at the query budget and keeps the closest adversarial input found by then", async () => {
    const [capped, full] = await Promise.all([
      attack({ attack: "hsj", norm: "2", queries: 500 }),
      attack({ attack: "hsj", norm: "2" }),
    ]);
    for (const [i, r] of capped.results.entries()) {
      expect(r.queries).toBeLessThanOrEqual(500);
      expect(r.success).toBe(true); // the first boundary point is already adversarial
      expect(r.l2).toBeGreaterThanOrEqual(full.results[i].l2);
    }
  });

  it("with an eps, only perturbations within it count as successes", async () => {
    const run = await attack({ attack: "hsj", norm: "2", queries: 2000, eps: 0.5 });
    for (const r of run.results) expect(r.success).toBe(r.l2 <= 0.5 * (1 + 1e-5));
    expect(summarize(run.results).adversarial_accuracy).toBe(run.results.filter((r) => !r.success).length / 5);
  });
});

describe("the report", () => {
  let dir: string;
  let runs: { run: Run; target: OnnxTarget }[];
  let browser: Browser | undefined;
  const chromiumPath = findChromium();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "bastion-redteam-report-"));
    // An 8x8 "image" classifier over 4 classes, and a 1-D one (its inputs are drawn as waveforms).
    const image = linearProblem(64, 4, 10, 2);
    const signal = linearProblem(50, 2, 3, 3);
    const imageTarget = await onnxTarget(linearOnnx(image.linear, { softmax: true }), { clip: [-2, 2] });
    const signalTarget = await onnxTarget(linearOnnx(signal.linear), { clip: CLIP });
    runs = [
      {
        run: await runAttack(imageTarget, image.examples, { attack: "hsj", norm: "2", seed: 1, queries: 2000 }),
        target: imageTarget,
      },
      {
        run: await runAttack(imageTarget, image.examples, { attack: "square", norm: "inf", seed: 1, eps: 0.5 }),
        target: imageTarget,
      },
      {
        run: await runAttack(signalTarget, signal.examples, { attack: "simba", norm: "2", seed: 1 }),
        target: signalTarget,
      },
    ];
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([...new Set(runs?.map((r) => r.target))].map((target) => target.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const reportOf = ({ run, target }: { run: Run; target: OnnxTarget }) =>
    buildReport(run, { kind: "onnx", file: "linear.onnx", inputShape: target.inputShape, clip: target.clip }, 2000);

  it("report.json holds the summary under ART's names and every example's labels, success, queries and norms", () => {
    const report = JSON.parse(JSON.stringify(reportOf(runs[0])));
    expect(Object.keys(report.summary)).toEqual(
      expect.arrayContaining([
        "adversarial_accuracy",
        "attack_success_rate",
        "empirical_robustness",
        "median_l2",
        "median_linf",
        "queries",
        "clean_accuracy",
      ]),
    );
    expect(report.examples).toHaveLength(10);
    for (const example of report.examples) {
      for (const field of ["index", "label", "adversarialLabel", "success", "queries", "l2", "linf"]) {
        expect(example).toHaveProperty(field);
      }
    }
    expect(report.attack).toMatchObject({ name: "hsj", norm: "2", seed: 1, queries: 2000, params: { max_iter: 50 } });
  });

  it.skipIf(!chromiumPath)(
    "report.html shows the curves, the norm histograms and the examples in Chromium",
    async () => {
      const files = await writeReport(
        dir,
        {},
        runs.map(({ run, target }) => ({
          report: reportOf({ run, target }),
          originals: run.originals,
          adversarial: run.adversarial,
        })),
      );
      browser = await launchHeadless(chromiumPath as string);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`file://${files.html}`);
      // Two norms, so two charts; the L-inf one has Square's line, the L2 one HSJ's and SimBA's.
      expect(await page.locator("svg#robust-accuracy-l2 polyline.curve").count()).toBe(2);
      expect(await page.locator("svg#robust-accuracy-linf polyline.curve").count()).toBe(1);
      expect(await page.locator("svg#robust-accuracy-l2 circle.point").count()).toBe(2 * CURVE_POINTS);
      for (const i of [0, 1, 2]) expect(await page.locator(`svg#norms-${i} rect.bar`).count()).toBe(HISTOGRAM_BINS);
      const bars = await page.locator("svg#norms-1 rect.bar").evaluateAll((r) => r.map((e) => Number(e.dataset.count)));
      expect(bars.reduce((a, b) => a + b, 0)).toBe(runs[1].run.results.filter((r) => r.success).length);
      // Images: original, adversarial, perturbation per example, decoded by the browser.
      const imageRun = page.locator('section.run[data-attack="hsj"] figure.pair');
      expect(await imageRun.count()).toBe(GRID_EXAMPLES);
      const widths = await imageRun
        .locator("img")
        .evaluateAll((images) => images.map((img) => (img as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths).toEqual(new Array(3 * GRID_EXAMPLES).fill(8));
      // 1-D inputs: the two waveforms over each other.
      const waves = page.locator('section.run[data-attack="simba"] figure.pair svg.waveform');
      expect(await waves.count()).toBe(3);
      expect(await waves.first().locator("polyline").count()).toBe(2);
      mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    },
  );
});

describe("npm run redteam, end to end on a local ONNX file", () => {
  let dir: string;
  const run = promisify(execFile);
  const redteam = (args: string[]) =>
    run(process.execPath, ["--import", "tsx", "tools/redteam.ts", ...args], { cwd: ROOT, timeout: 120_000 });

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "bastion-redteam-cli-"));
    const { linear, examples } = linearProblem(64, 3, 6, 4);
    writeFileSync(path.join(dir, "linear.onnx"), linearOnnx(linear, { softmax: true }));
    const inputs = examples.map((e) => ({ data: Array.from(e.data) }));
    writeFileSync(path.join(dir, "inputs.json"), JSON.stringify(inputs));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("attacks, shows progress, and writes report.json and report.html", async () => {
    const out = path.join(dir, "out");
    const args = ["--onnx", path.join(dir, "linear.onnx"), "--inputs", path.join(dir, "inputs.json")];
    const { stdout, stderr } = await redteam([
      ...args,
      ...["--attack", "square", "--norm", "inf", "--eps", "0.5", "--queries", "150", "--samples", "5"],
      ...["--seed", "3", "--clip=-2,2", "--shape", "1,8,8", "--out", out],
    ]);
    expect(stdout.trim().split("\n")).toEqual([path.join(out, "report.json"), path.join(out, "report.html")]);
    for (let i = 1; i <= 5; i++) expect(stderr).toContain(`[${i}/5]`);
    const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8"));
    expect(report.attack).toMatchObject({ name: "square", norm: "inf", eps: 0.5, queries: 150, seed: 3 });
    expect(report.target).toMatchObject({ kind: "onnx", inputShape: [64], clip: [-2, 2] });
    expect(report.examples).toHaveLength(5);
    for (const example of report.examples) {
      expect(example.queries).toBeLessThanOrEqual(150);
      expect(example.linf).toBeLessThanOrEqual(0.5 + 1e-6);
    }
    expect(readFileSync(path.join(out, "report.html"), "utf8")).toContain('<svg id="robust-accuracy-linf"');
  });

  it("refuses what it cannot do, with the usage", async () => {
    const base = ["--onnx", path.join(dir, "linear.onnx"), "--inputs", path.join(dir, "inputs.json"), "--out", dir];
    const cases = [
      [[...base, "--attack", "square", "--norm", "2"], "Square Attack supports --norm inf"],
      [[...base, "--attack", "fgsm", "--norm", "2"], "--attack must be one of hsj, square, simba"],
      [[...base, "--attack", "hsj", "--norm", "2", "--params", '{"maxIter": 3}'], "hsj has no parameter maxIter"],
      [[...base, "--attack", "hsj", "--norm", "2", "--clip", "1,0"], "--clip takes MIN,MAX"],
    ] as const;
    const failures = await Promise.all(cases.map(([args]) => redteam([...args]).catch((error) => error)));
    for (const [i, [, message]] of cases.entries()) {
      expect(failures[i].code, message).toBe(2);
      expect(failures[i].stderr).toContain(message);
      expect(failures[i].stderr).toContain("usage: npm run redteam");
    }
  });
});
