/**
 * What a release policy costs each side: the same attack, same seed, same examples, against the
 * target as each policy releases its scores, beside the honest caller's accuracy on the clean
 * examples under that policy (top-1 of the released scores against the true labels). Score-based
 * attacks lose their signal under `label-only` (one-hot vectors); HopSkipJump reads labels only,
 * so a policy that keeps the top class does not touch it.
 */
import { POLICY_NAMES, resolvePolicy } from "../release/policies";
import type { ReleasePolicy } from "../release/types";
import { type Classifier, labelFor } from "./attacks/types";
import { type Summary, summarize } from "./metrics";
import { Random } from "./random";
import { type Example, type Run, type RunOptions, runAttack } from "./run";
import { releasedClassifier } from "./targets/released";

export interface PolicyOutcome {
  policy: ReleasePolicy;
  summary: Summary;
  /** Top-1 of the released clean scores against the true labels (the unreleased top-1 where an example has none). */
  honestAccuracy: number;
  /**
   * Of the examples attacked, the share whose result the unreleased model also labels other than
   * the original: a success under gaussian-noise may be the noise's flip, not the model's.
   */
  verifiedSuccessRate: number | null;
}

/** `--policies`: names (each with its defaults), comma-separated, or a JSON list of settings. */
export function parsePolicies(text: string): ReleasePolicy[] {
  const trimmed = text.trim();
  const settings: unknown[] = trimmed.startsWith("[")
    ? JSON.parse(trimmed)
    : trimmed.split(",").map((name) => ({ name: name.trim() }));
  return settings.map((setting) => {
    const name = (setting as { name?: unknown })?.name;
    if (typeof name !== "string" || !POLICY_NAMES.includes(name)) {
      throw new Error(`unknown release policy ${JSON.stringify(name)} (known: ${POLICY_NAMES.join(", ")})`);
    }
    return resolvePolicy(setting);
  });
}

/** Each policy in turn (their runs share the target; in parallel they would only compete for it). */
export async function comparePolicies(
  target: Classifier,
  examples: Example[],
  policies: ReleasePolicy[],
  options: RunOptions,
): Promise<{ outcomes: PolicyOutcome[]; runs: Run[] }> {
  const unreleased = await target.predict(examples.map((e) => e.data));
  const truth = examples.map((e, i) => e.label ?? labelFor(target, unreleased[i]));
  const outcomes: PolicyOutcome[] = [];
  const runs: Run[] = [];
  for (const policy of policies) {
    // Seeded noise: the same seed gives the same report, gaussian-noise included.
    const random = new Random(options.seed);
    const released = releasedClassifier(target, policy, () => random.normal());
    const honest = await released.predict(examples.map((e) => e.data));
    const right = honest.filter((scores, i) => labelFor(released, scores) === truth[i]).length;
    const run = await runAttack(released, examples, options);
    runs.push(run);
    const attacked = run.results.filter((r) => r.attacked);
    const successes = run.results.filter((r) => r.success);
    const checked = successes.length === 0 ? [] : await target.predict(successes.map((r) => run.adversarial[r.index]));
    const verified = successes.filter((r, i) => labelFor(target, checked[i]) !== r.prediction).length;
    outcomes.push({
      policy,
      summary: summarize(run.results),
      honestAccuracy: right / Math.max(1, examples.length),
      verifiedSuccessRate: attacked.length ? verified / attacked.length : null,
    });
  }
  return { outcomes, runs };
}
