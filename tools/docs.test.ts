/**
 * `npm run docs` against a robustness gate run here: every figure in the documents is the one in
 * the report, the card or the deployment's settings it came from, and each model's signer is the
 * one `npm run models -- verify` finds.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functions } from "../functions";
import type { GateResult } from "../src/governance/documentation";
import { subjectName } from "../src/governance/model-signature";

const run = promisify(execFile);
const scratch = mkdtempSync(path.join(tmpdir(), "bastion-docs-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const doc = (...parts: string[]) => readFileSync(path.join(scratch, "docs", ...parts), "utf8");

let gate: GateResult[];
let verified: string;
beforeAll(async () => {
  const tsx = (...args: string[]) => run(process.execPath, ["--import", "tsx", ...args], { encoding: "utf8" });
  await tsx("tools/redteam.ts", "--gate", "--out", path.join(scratch, "gate"));
  gate = JSON.parse(readFileSync(path.join(scratch, "gate", "report.json"), "utf8")).gate;
  await tsx(
    "tools/docs.ts",
    "--reports",
    path.join(scratch, "gate", "report.json"),
    "--out",
    path.join(scratch, "docs"),
  );
  verified = (await tsx("tools/models.ts", "verify")).stdout;
}, 180_000);

/** The rows of a document's robustness table, as cells. */
function robustnessRows(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => /^\| (hsj|square|simba) \|/.test(line))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe("npm run docs", () => {
  it("states each robustness result as the gate report has it, in both documents of the model", () => {
    expect(gate.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const expected = gate
        .filter((r) => r.model === fn.model.id)
        .map((r) => [
          r.check.attack,
          r.check.norm === "inf" ? "L-inf" : `L${r.check.norm}`,
          String(r.check.eps),
          String(r.adversarial_accuracy),
          String(r.check.minRobustAccuracy),
          r.passed ? "pass" : "FAIL",
          String(r.check.samples),
          String(r.check.queries),
        ]);
      expect(robustnessRows(doc(fn.name, "instructions-for-use.md"))).toEqual(expected);
      expect(robustnessRows(doc(fn.name, "technical-documentation.md"))).toEqual(expected);
    }
  });

  it("states each version's accuracy and privacy as its card does, and the signer verify finds", () => {
    for (const fn of functions) {
      const technical = doc(fn.name, "technical-documentation.md");
      for (const model of fn.versions) {
        const { metrics, privacy } = model.card;
        if (metrics)
          expect(technical).toContain(
            `\`${subjectName(model)}\`: Top-1 accuracy ${metrics.testAccuracy} on ${metrics.testSamples}`,
          );
        if (privacy) expect(technical).toContain(`(ε, δ) = (${privacy.epsilon}, ${privacy.delta})`);
        const signer = new RegExp(`^${subjectName(model)}: signed by (\\S+),`, "m").exec(verified)?.[1];
        expect(signer).toBeDefined();
        expect(technical).toContain(`Signed (OpenSSF model signing v1.0) by \`${signer}\``);
      }
      for (const section of [
        "Model details",
        "Intended use",
        "Factors",
        "Metrics",
        "Evaluation data",
        "Training data",
        "Quantitative analyses",
        "Ethical considerations",
        "Caveats and recommendations",
      ])
        expect(technical).toContain(`#### ${section}`);
    }
  });

  it("records each function's processing, with the retention wrangler.toml sets", () => {
    const record = doc("record-of-processing.md");
    const retention = /^AUDIT_RETENTION_DAYS = "(\d+)"/m.exec(readFileSync("wrangler.toml", "utf8"))?.[1];
    for (const fn of functions) {
      expect(record).toContain(`## \`${fn.name}\``);
      for (const category of fn.personalData.categories) expect(record).toContain(category);
    }
    expect(record).toContain("voice audio");
    expect(record.match(new RegExp(`for ${retention} days`, "g"))?.length).toBe(functions.length);
  });
});
