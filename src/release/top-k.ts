/**
 * `top-k`: the `k` highest scores (default 1) kept as they are, the rest set to 0; of equal scores
 * the earlier class is kept, so exactly k remain. Not renormalised: the kept scores stay the
 * model's probabilities of those classes, where renormalising would overstate them (top-1 would
 * always say 1). ART has no such postprocessor; this is the usual "top-k" of classification APIs.
 */
import { z } from "zod";
import { definePostprocessor } from "./types";

export const topK = definePostprocessor({
  name: "top-k",
  version: 1,
  params: z.object({ k: z.number().int().min(1).max(1000).default(1) }).strict(),
  apply: (scores, { k }) => {
    const kept = new Set(
      scores
        .map((score, index) => ({ score, index }))
        .sort((a, b) => b.score - a.score || a.index - b.index)
        .slice(0, k)
        .map(({ index }) => index),
    );
    return scores.map((x, i) => (kept.has(i) ? x : 0));
  },
});
