/**
 * `gaussian-noise`, ART's GaussianNoise: noise from N(0, `scale`²) (default 0.2) added to every
 * score. As in ART, a vector that was a probability distribution (in [0, 1], summing to 1 within
 * 1e-3) then has negatives set to 0 and is renormalised to sum to 1; any other vector (logits)
 * keeps its noise as it is; and a single output (a sigmoid) has negatives set to 0. Two
 * departures, both where ART would release something that is not a probability: a single output
 * is also capped at 1, and a vector whose every score fell below 0 becomes uniform (ART: 0/0).
 * The noise comes from the worker's CSPRNG: a caller who could predict it could subtract it.
 */
import { z } from "zod";
import { definePostprocessor, type Scores } from "./types";
import { clamp, normalise } from "./vector";

export const gaussianNoise = definePostprocessor({
  name: "gaussian-noise",
  version: 1,
  // ART requires a positive standard deviation.
  params: z.object({ scale: z.number().gt(0).max(10).default(0.2) }).strict(),
  apply: (scores, { scale }, normal) => {
    const noisy = scores.map((x) => x + scale * normal());
    if (scores.length === 1) return [clamp(noisy[0], 0, 1)];
    if (!isProbability(scores)) return noisy;
    return normalise(noisy.map((x) => Math.max(0, x)));
  },
});

/** ART's `is_probability`: within [0, 1] and summing to 1 (relative tolerance 1e-3). */
function isProbability(scores: Scores): boolean {
  const sum = scores.reduce((a, b) => a + b, 0);
  return Math.abs(sum - 1) <= 1e-3 * Math.max(Math.abs(sum), 1) && scores.every((x) => x >= 0 && x <= 1);
}
