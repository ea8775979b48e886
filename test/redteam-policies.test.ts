/**
 * What a release policy costs the attacker and the honest caller, on digits' plaintext ONNX:
 * the same attack and seed against the scores each policy releases (small budgets; the CLI's
 * `--policies` runs the full comparison).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPlaintext } from "../models/recipe";
import { heldOutExamples } from "../src/robustness/held-out";
import { comparePolicies, parsePolicies } from "../src/robustness/policies";
import { renderHtml } from "../src/robustness/report/html";
import { policySection } from "../src/robustness/report/policies";
import type { Example } from "../src/robustness/run";
import { type OnnxTarget, onnxTarget } from "../src/robustness/targets/onnx";
import { manifestOf } from "./reference";

let target: OnnxTarget;
let examples: Example[];

beforeAll(async () => {
  target = await onnxTarget(await readPlaintext(await manifestOf("digits", "1")), { clip: [0, 1] });
  examples = await heldOutExamples("digits", 20);
});
afterAll(() => target?.close());

const rateOf = (outcomes: Awaited<ReturnType<typeof comparePolicies>>["outcomes"], name: string) => {
  const outcome = outcomes.find((o) => o.policy.name === name);
  if (!outcome) throw new Error(`no outcome for ${name}`);
  return outcome;
};

describe("--policies: one attack against each release policy", () => {
  it("parses names with their defaults, or a JSON list, and refuses an unknown name", () => {
    expect(parsePolicies("full, rounded").map((p) => p.params)).toEqual([{}, { decimals: 3 }]);
    expect(parsePolicies('[{"name": "top-k", "k": 2}]')[0]).toMatchObject({ name: "top-k", params: { k: 2 } });
    expect(() => parsePolicies("full,secret")).toThrow(/unknown release policy/);
  });

  it("label-only starves Square; the honest caller keeps the top class under rounded and label-only", async () => {
    const policies = parsePolicies("full,rounded,label-only,gaussian-noise");
    const { outcomes } = await comparePolicies(target, examples, policies, {
      attack: "square",
      norm: "inf",
      eps: 0.1,
      queries: 200,
      seed: 1,
      concurrency: 4,
    });
    for (const o of outcomes) {
      console.log(
        `digits square vs ${o.policy.name}: success ${o.summary.attack_success_rate}, verified ${o.verifiedSuccessRate}, ` +
          `median queries ${o.summary.queries.median}, honest ${o.honestAccuracy}`,
      );
    }
    const full = rateOf(outcomes, "full");
    const labelOnly = rateOf(outcomes, "label-only");
    expect(full.summary.attack_success_rate).toBeGreaterThanOrEqual(0.6);
    expect(labelOnly.summary.attack_success_rate).toBeLessThanOrEqual((full.summary.attack_success_rate ?? 0) - 0.3);
    expect(rateOf(outcomes, "rounded").honestAccuracy).toBe(full.honestAccuracy);
    expect(labelOnly.honestAccuracy).toBe(full.honestAccuracy);
    expect(rateOf(outcomes, "gaussian-noise").honestAccuracy).toBeLessThanOrEqual(full.honestAccuracy);

    const html = renderHtml([], "policies", [policySection(outcomes)]);
    expect(html.match(/<tr data-policy=/g)).toHaveLength(4);
    expect(html.match(/<g class="policy"/g)).toHaveLength(4);
  });

  it("HopSkipJump reads labels only: label-only changes nothing for it", async () => {
    const { outcomes } = await comparePolicies(target, examples.slice(0, 4), parsePolicies("full,label-only"), {
      attack: "hsj",
      norm: "2",
      queries: 1500,
      seed: 1,
      params: { max_iter: 5 },
      concurrency: 4,
    });
    const [full, labelOnly] = outcomes;
    console.log(`digits hsj: success ${full.summary.attack_success_rate} / ${labelOnly.summary.attack_success_rate}`);
    expect(labelOnly.summary.attack_success_rate).toBe(full.summary.attack_success_rate);
    expect(labelOnly.summary.median_l2).toBeCloseTo(full.summary.median_l2 ?? Number.NaN, 6);
  });
});
