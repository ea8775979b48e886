/**
 * The postprocessors by name, and what a policy setting resolves to: the postprocessor's name,
 * version and complete parameters. `full` releases the scores as the model computed them.
 */
import { z } from "zod";
import { classLabels } from "./class-labels";
import { gaussianNoise } from "./gaussian-noise";
import { highConfidence } from "./high-confidence";
import { reverseSigmoid } from "./reverse-sigmoid";
import { rounded } from "./rounded";
import { topK } from "./top-k";
import { definePostprocessor, type NormalSource, type Postprocessor, type ReleasePolicy, type Scores } from "./types";

const full = definePostprocessor({
  name: "full",
  version: 1,
  params: z.object({}).strict(),
  apply: (scores) => [...scores],
});

const POSTPROCESSORS = [full, rounded, topK, classLabels, highConfidence, gaussianNoise, reverseSigmoid];
const byName = new Map<string, Postprocessor>(POSTPROCESSORS.map((p) => [p.name, p]));
export const POLICY_NAMES = POSTPROCESSORS.map((p) => p.name);

/** A policy setting, `{"name": "rounded", "decimals": 2}`: a known name and that postprocessor's parameters. */
export const policySettingSchema = z
  .discriminatedUnion(
    "name",
    POSTPROCESSORS.map((p) => p.params.extend({ name: z.literal(p.name) }).strict()) as unknown as [
      z.ZodObject<{ name: z.ZodLiteral<string> }>,
    ],
  )
  .transform(({ name, ...params }): ReleasePolicy => {
    const { version } = byName.get(name) as Postprocessor;
    return { name, version, params: params as Record<string, number> };
  });

/** The policy of a setting; throws on one that is malformed (a function's own default is code). */
export function resolvePolicy(setting: unknown): ReleasePolicy {
  return policySettingSchema.parse(setting);
}

/** The scores `policy` releases of `scores`. */
export function applyPolicy(policy: ReleasePolicy, scores: Scores, normal: NormalSource = secureNormal): number[] {
  if (scores.length === 0) return [];
  return (byName.get(policy.name) as Postprocessor).apply(scores, policy.params, normal);
}

/**
 * A standard normal draw (Box-Muller) from the CSPRNG: noise a caller could predict, they could
 * take off again.
 */
export function secureNormal(): number {
  const [a, b] = crypto.getRandomValues(new Uint32Array(2));
  // (0, 1]: the logarithm needs a non-zero argument.
  const u = (a + 1) / 2 ** 32;
  const v = b / 2 ** 32;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
