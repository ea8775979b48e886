/**
 * A target as a release policy shows it: every score vector goes through `applyPolicy`, the same
 * code the worker runs after inference, so an attack on a local model sees what a caller of the
 * deployed function would. Gaussian noise draws from `normal` (seeded by the CLI, so a run can be
 * repeated; the worker's comes from the CSPRNG).
 */
import { applyPolicy, secureNormal } from "../../release/policies";
import type { NormalSource, ReleasePolicy } from "../../release/types";
import type { Classifier } from "../attacks/types";

export function releasedClassifier(
  target: Classifier,
  policy: ReleasePolicy,
  normal: NormalSource = secureNormal,
): Classifier {
  return {
    inputShape: target.inputShape,
    clip: target.clip,
    layout: target.layout,
    nbClasses: target.nbClasses,
    labelOf: target.labelOf?.bind(target),
    async predict(batch) {
      const scores = await target.predict(batch);
      return scores.map((s) => Float32Array.from(applyPolicy(policy, Array.from(s), normal)));
    },
  };
}
