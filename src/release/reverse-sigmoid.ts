/**
 * `reverse-sigmoid`, ART's ReverseSigmoid (Lee et al., "Defending Against Machine Learning Model
 * Stealing Attacks Using Deceptive Perturbations", arXiv:1806.00054), with ART's formula and
 * defaults, `beta` 1 and `gamma` 0.1. Each score p, clipped to [1e-9, 1 - 1e-9] for the logarithm
 * (ART's bound), is moved by r = beta * (sigmoid(-gamma * log((1 - p) / p)) - 0.5); the original
 * score minus r is clipped to [0, 1], and the vector renormalised to sum to 1. A single output (a
 * sigmoid) is treated as ART does, as the pair (p, 1 - p), each perturbed and clipped, of which
 * the first is released after normalising the pair. The ranking of classes mostly survives; the
 * values no longer fit a surrogate model. Computed in float64 (ART follows the input's dtype).
 */
import { z } from "zod";
import { definePostprocessor } from "./types";
import { clamp, normalise } from "./vector";

const CLIP = 1e-9;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export const reverseSigmoid = definePostprocessor({
  name: "reverse-sigmoid",
  version: 1,
  // ART requires both to be positive.
  params: z
    .object({ beta: z.number().gt(0).max(100).default(1), gamma: z.number().gt(0).max(100).default(0.1) })
    .strict(),
  apply: (scores, { beta, gamma }) => {
    const perturbed = (p: number, clipped: number) =>
      clamp(p - beta * (sigmoid(-gamma * Math.log((1 - clipped) / clipped)) - 0.5), 0, 1);
    const clipped = scores.map((p) => clamp(p, CLIP, 1 - CLIP));
    if (scores.length > 1) return normalise(scores.map((p, i) => perturbed(p, clipped[i])));
    const [p] = scores;
    return [normalise([perturbed(p, clipped[0]), perturbed(1 - p, 1 - clipped[0])])[0]];
  },
});
